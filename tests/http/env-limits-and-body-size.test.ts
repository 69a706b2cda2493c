import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { users } from "../../db/schema.ts";
import { ConfigError, loadConfig } from "../../server/config.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const MiB = 1024 * 1024;

function configError(env: Record<string, string>): Error {
  try {
    loadConfig(env);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("environment parsing (loadConfig)", () => {
  test("ARGUS_ALLOW_REGISTRATION=false closes registration", () => {
    expect(loadConfig({ ARGUS_ALLOW_REGISTRATION: "false" }).allowRegistration).toBe(false);
    expect(loadConfig({ ARGUS_ALLOW_REGISTRATION: "true" }).allowRegistration).toBe(true);
  });

  test("ARGUS_RATE_LIMIT_PER_MINUTE=50 sets the default key limit", () => {
    expect(loadConfig({ ARGUS_RATE_LIMIT_PER_MINUTE: "50" }).rateLimitPerMinute).toBe(50);
  });

  test("HOST=127.0.0.1 is where to listen", () => {
    expect(loadConfig({ HOST: "127.0.0.1" }).host).toBe("127.0.0.1");
  });

  test("ARGUS_JWT_SECRET needs at least 32 bytes: 31 is refused in one line naming it, 32 is accepted", () => {
    for (const short of ["a".repeat(31), "é".repeat(15) + "a"]) {
      expect(Buffer.byteLength(short)).toBe(31);
      const err = configError({ ARGUS_JWT_SECRET: short });
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain("ARGUS_JWT_SECRET");
      expect(err.message).not.toContain("\n");
      expect(err.message).not.toContain(short);
    }
    // Bytes, not characters: 16 two-byte characters are 32 bytes.
    for (const exact of ["a".repeat(32), "é".repeat(16)]) {
      expect(Buffer.byteLength(exact)).toBe(32);
      expect(loadConfig({ ARGUS_JWT_SECRET: exact }).jwtSecret).toBe(exact);
    }
  });
});

describe("GET /api/v1/articles ?limit=", () => {
  test("0, 101 and abc are 400 naming limit; 100 is accepted", async () => {
    const u = await h.signUp();
    for (const limit of ["0", "101", "abc"]) {
      const res = await h.request(`/api/v1/articles?limit=${limit}`, { token: u.token });
      expect({ limit, status: res.status }).toEqual({ limit, status: 400 });
      const body = await json(res);
      expect(body.success).toBe(false);
      expect(body.code).toBe("BAD_REQUEST");
      expect(body.details.map((d: any) => d.field)).toEqual(["limit"]);
    }
    const ok = await h.request("/api/v1/articles?limit=100", { token: u.token });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({ success: true, data: [], meta: { nextCursor: null, hasMore: false } });
  });
});

describe("request bodies are at most 1 MiB", () => {
  /** A register body of exactly `size` bytes, padded in `name` (which is then too long: a 400, not a 413). */
  const registerBody = (size: number) => {
    const shell = (pad: string) => JSON.stringify({ email: "big@example.com", password: "long enough", name: pad });
    const body = shell("n".repeat(size - shell("").length));
    expect(Buffer.byteLength(body)).toBe(size);
    return body;
  };
  const post = (url: string, body: RequestInit["body"], extra: RequestInit = {}) =>
    fetch(`${url}/api/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body, ...extra });
  const usersInDb = () => h.core.deps.db.select().from(users).all().length;

  test("exactly 1 MiB is read (400 for the long name), 1 MiB + 1 is 413", async () => {
    const srv = listen(h);
    try {
      const atLimit = await post(srv.url, registerBody(MiB));
      expect(atLimit.status).toBe(400);
      const body = await json(atLimit);
      expect(body.code).toBe("BAD_REQUEST");
      expect(body.details.map((d: any) => d.field)).toEqual(["name"]);

      const over = await post(srv.url, registerBody(MiB + 1));
      expect(over.status).toBe(413);
      expect(await json(over)).toEqual({ success: false, error: "Request body exceeds 1 MiB", code: "PAYLOAD_TOO_LARGE" });
      expect(usersInDb()).toBe(0);
    } finally {
      srv.stop();
    }
  });

  test("a chunked body (no Content-Length) over 1 MiB is 413", async () => {
    const srv = listen(h);
    try {
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > MiB + chunk.length) return controller.close();
          controller.enqueue(sent === 0 ? new TextEncoder().encode('{"email":"') : chunk);
          sent += sent === 0 ? 1 : chunk.length;
        },
      });
      const res = await post(srv.url, stream, { duplex: "half" } as RequestInit);
      expect(res.status).toBe(413);
      expect(await json(res)).toEqual({ success: false, error: "Request body exceeds 1 MiB", code: "PAYLOAD_TOO_LARGE" });
      expect(usersInDb()).toBe(0);
    } finally {
      srv.stop();
    }
  });
});
