import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/harness.ts";
import { freePort, startServerProcess, type ServerProcess } from "../support/process.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The curl examples of the seed page (docs/seed-page.txt), copied verbatim.
const SEED = {
  createKey: `curl -X POST https://api.argus.example.com/api/keys \\
-H "Authorization: Bearer <your-jwt-token>" \\
-H "Content-Type: application/json" \\
-d '{"name": "My Integration"}'`,
  useKey: `curl https://api.argus.example.com/api/v1/articles/latest \\
-H "X-API-Key: argus_1234567890abcdef1234567890abcdef"`,
  listKeys: `curl https://api.argus.example.com/api/keys \\
-H "Authorization: Bearer <your-jwt-token>"`,
  revokeKey: `curl -X DELETE https://api.argus.example.com/api/keys/<key-id> \\
-H "Authorization: Bearer <your-jwt-token>"`,
};
// The page names the admin routes without a curl line; these follow its style.
const ADMIN = {
  list: `curl https://api.argus.example.com/api/admin/api-keys \\
-H "Authorization: Bearer <your-jwt-token>"`,
  deactivate: `curl -X PUT https://api.argus.example.com/api/admin/api-keys/<key-id> \\
-H "Authorization: Bearer <your-jwt-token>" \\
-H "Content-Type: application/json" \\
-d '{"isActive": false}'`,
  limit3: `curl -X PUT https://api.argus.example.com/api/admin/api-keys/<key-id> \\
-H "Authorization: Bearer <your-jwt-token>" \\
-H "Content-Type: application/json" \\
-d '{"rateLimit": 3}'`,
  remove: `curl -X DELETE https://api.argus.example.com/api/admin/api-keys/<key-id> \\
-H "Authorization: Bearer <your-jwt-token>"`,
};
const SEED_HOST = "https://api.argus.example.com";
const SEED_KEY = "argus_1234567890abcdef1234567890abcdef";
const ADMIN_EMAIL = "root@example.com";
const ADMIN_PASSWORD = "admin password 1";

/** Splits a POSIX shell command line as sh would: quotes, backslash escapes and line continuations. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "\\" && line[i + 1] === "\n") i++;
    else if (ch === "\\") word = (word ?? "") + line[++i];
    else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      word ??= "";
      for (i++; line[i] !== '"'; i++) word += line[i] === "\\" && '"\\$`'.includes(line[i + 1]!) ? line[++i] : line[i];
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? "") + ch;
  }
  if (word !== null) words.push(word);
  return words;
}

let server: ServerProcess;
let dataDir: string;

/** A server process whose environment is only what this suite names: no host ARGUS_* leaks in. */
async function startIsolated(extra: Record<string, string>): Promise<ServerProcess> {
  const port = String(freePort());
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dataDir, HOST: "127.0.0.1", PORT: port, ARGUS_LOG_LEVEL: "warn", ...extra,
  };
  const main = join(import.meta.dir, "../../server/main.ts");
  const cmd = ["env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, main];
  return startServerProcess({ PORT: port }, cmd);
}

/** Runs a seed command with the real curl binary: host, token, key and id substituted, nothing else changed. */
async function curl(command: string, subs: { token?: string; key?: string; id?: string } = {}, opts: { include?: boolean } = {}) {
  const args = shellWords(command).map((a) =>
    a.replace(SEED_HOST, server.url)
      .replace("<your-jwt-token>", subs.token ?? "<your-jwt-token>")
      .replace(SEED_KEY, subs.key ?? SEED_KEY)
      .replace("<key-id>", subs.id ?? "<key-id>"),
  );
  expect(args[0]).toBe("curl");
  if (opts.include) args.splice(1, 0, "-i");
  const proc = Bun.spawn(args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dataDir }, stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  return out;
}

/** `curl -i` output: status line, headers, body. */
function parseResponse(raw: string) {
  const split = raw.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = raw.slice(0, split).split("\r\n");
  const headers = new Headers(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()] as [string, string]));
  return { status: Number(statusLine!.split(" ")[1]), headers, body: JSON.parse(raw.slice(split + 4)) };
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** "JWT tokens are obtained by logging in via the /api/auth/login endpoint." */
async function loginToken(email: string, password: string) {
  const res = await post("/api/auth/login", { email, password });
  expect(res.status).toBe(200);
  return res.body.data.token as string;
}

let userToken: string;
let adminToken: string;

beforeAll(async () => {
  dataDir = tempDir();
  server = await startIsolated({ ARGUS_DATA_DIR: dataDir, ARGUS_ADMIN_EMAIL: ADMIN_EMAIL, ARGUS_ADMIN_PASSWORD: ADMIN_PASSWORD });
  const email = `seed-${crypto.randomUUID().slice(0, 8)}@example.com`;
  expect((await post("/api/auth/register", { email, password: "seed page user" })).status).toBe(201);
  userToken = await loginToken(email, "seed page user");
  adminToken = await loginToken(ADMIN_EMAIL, ADMIN_PASSWORD);
});

afterAll(async () => {
  // SIGTERM drains and closes cleanly: exit code 0.
  if (server) expect(await server.stop()).toBe(0);
  rmSync(dataDir, { recursive: true, force: true });
});

async function createKey() {
  const body = JSON.parse(await curl(SEED.createKey, { token: userToken }));
  return body as { success: true; data: { id: string; key: string } & Record<string, unknown>; message: string };
}

describe("the seed page's curl examples, run verbatim with curl against a server process", () => {
  test("Creating an API Key: the response has the page's fields and message", async () => {
    const body = await createKey();
    expect(body.success).toBe(true);
    expect(body.message).toBe("API key created. Save it now - it cannot be retrieved again.");
    const { data } = body;
    for (const field of ["id", "name", "keyPrefix", "isActive", "createdAt", "key"]) expect(data).toHaveProperty(field);
    expect(data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(data.name).toBe("My Integration");
    expect(data.isActive).toBe(true);
    expect(data.key).toMatch(/^argus_[0-9a-f]{32}$/);
    expect(data.keyPrefix).toBe(data.key.slice(0, 8));
    expect(data.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("Using an API Key: 200 with the X-RateLimit headers (100 per minute by default)", async () => {
    const { data } = await createKey();
    const res = parseResponse(await curl(SEED.useKey, { key: data.key }, { include: true }));
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(Array.isArray(res.body.data)).toBe(true);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    expect(Number.isInteger(reset)).toBe(true);
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
  });

  test("List Your Keys: the key is listed by prefix, never the key itself", async () => {
    const { data } = await createKey();
    const out = await curl(SEED.listKeys, { token: userToken });
    expect(out).not.toContain(data.key);
    const body = JSON.parse(out);
    expect(body.success).toBe(true);
    const listed = body.data.find((k: any) => k.id === data.id);
    expect(listed).toBeDefined();
    expect(listed.keyPrefix).toBe(data.key.slice(0, 8));
    for (const k of body.data) expect(k).not.toHaveProperty("key");
  });

  test("Revoke a Key: the message says so, and the key stops working at once", async () => {
    const { data } = await createKey();
    expect(parseResponse(await curl(SEED.useKey, { key: data.key }, { include: true })).status).toBe(200);
    const body = JSON.parse(await curl(SEED.revokeKey, { token: userToken, id: data.id }));
    expect(body).toMatchObject({ success: true, message: "API key revoked" });
    const after = parseResponse(await curl(SEED.useKey, { key: data.key }, { include: true }));
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ success: false, error: "API key has been revoked", code: "UNAUTHORIZED" });
    const listed = JSON.parse(await curl(SEED.listKeys, { token: userToken })).data;
    expect(listed.map((k: any) => k.id)).not.toContain(data.id);
  });

  test("Admin API Key Management: list all keys, deactivate one, delete it", async () => {
    const { data } = await createKey();
    const list = JSON.parse(await curl(ADMIN.list, { token: adminToken }));
    expect(list.success).toBe(true);
    const listed = list.data.find((k: any) => k.id === data.id);
    expect(listed.userEmail).toMatch(/^seed-[0-9a-f]{8}@example\.com$/);
    expect(listed.userId).toEqual(expect.any(String));
    for (const k of list.data) expect(k).not.toHaveProperty("key");

    const put = JSON.parse(await curl(ADMIN.deactivate, { token: adminToken, id: data.id }));
    expect(put.success).toBe(true);
    expect(put.data.id).toBe(data.id);
    expect(put.data.isActive).toBe(false);
    const refused = parseResponse(await curl(SEED.useKey, { key: data.key }, { include: true }));
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("API key is deactivated");

    const del = JSON.parse(await curl(ADMIN.remove, { token: adminToken, id: data.id }));
    expect(del.success).toBe(true);
    const after = JSON.parse(await curl(ADMIN.list, { token: adminToken }));
    expect(after.data.map((k: any) => k.id)).not.toContain(data.id);
    const gone = parseResponse(await curl(SEED.useKey, { key: data.key }, { include: true }));
    expect(gone.status).toBe(401);
    expect(gone.body.error).toBe("Invalid API key");
  });

  test("Rate Limiting: past a key's limit the answer is 429 with the page's body", async () => {
    const { data } = await createKey();
    const limited = JSON.parse(await curl(ADMIN.limit3, { token: adminToken, id: data.id }));
    expect(limited.data.rateLimit).toBe(3);
    // Three tokens, refilled at one per 20 s: the fourth request inside that time is refused.
    for (const remaining of ["2", "1", "0"]) {
      const ok = parseResponse(await curl(SEED.useKey, { key: data.key }, { include: true }));
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ratelimit-limit")).toBe("3");
      expect(ok.headers.get("x-ratelimit-remaining")).toBe(remaining);
    }
    const res = parseResponse(await curl(SEED.useKey, { key: data.key }, { include: true }));
    expect(res.status).toBe(429);
    expect(res.body.success).toBe(false);
    expect(res.body.error).toBe("Rate limit exceeded");
    expect(Number.isInteger(res.body.retryAfter)).toBe(true);
    expect(res.body.retryAfter).toBeGreaterThanOrEqual(1);
    expect(res.body.retryAfter).toBeLessThanOrEqual(20);
    expect(res.headers.get("retry-after")).toBe(String(res.body.retryAfter));
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
  });
});
