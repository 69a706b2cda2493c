import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootCore } from "../../server/boot.ts";
import { manualClock } from "../../server/clock.ts";
import { testConfig, type Config } from "../../server/config.ts";
import type { Core } from "../../server/core/index.ts";
import { createApp } from "../../server/http/app.ts";
import { createLogger } from "../../server/logger.ts";

export const tempDir = () => mkdtempSync(join(tmpdir(), "argus-test-"));

/** Cheap argon2id so suites stay fast; production uses Bun's defaults. */
export const TEST_PASSWORD_COST = { memoryCost: 1024, timeCost: 1 };

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** A core over a real SQLite file in a temp dir, a manual clock, and the REST app on top. */
export async function createHarness(overrides: Partial<Config> = {}, opts: { dataDir?: string; logs?: string[]; pooled?: boolean } = {}) {
  const dataDir = opts.dataDir ?? tempDir();
  const clock = manualClock(Date.UTC(2026, 10, 28, 12, 0, 0));
  const logs = opts.logs ?? [];
  // Suites sign many users up from one address: the sign-up throttle is off unless a test turns it on.
  const config = testConfig({ dataDir, logLevel: "debug", signupLimitPerHour: 0, ...overrides });
  const core: Core = await bootCore(config, {
    clock,
    logger: createLogger("debug", (l) => logs.push(l)),
    passwordCost: TEST_PASSWORD_COST,
    pooled: opts.pooled,
  });
  const app = createApp(core);

  const request = (path: string, init: RequestInit & { json?: unknown; token?: string; apiKey?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.json !== undefined) headers.set("content-type", "application/json");
    if (init.token) headers.set("authorization", `Bearer ${init.token}`);
    if (init.apiKey) headers.set("x-api-key", init.apiKey);
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
    return app.request(path, { ...init, headers, body });
  };

  let counter = 0;
  /** Registers a user through the real route and returns its session. */
  async function signUp(role: "user" | "admin" = "user", email = `user${++counter}-${crypto.randomUUID().slice(0, 8)}@example.com`) {
    const password = "correct horse battery";
    if (role === "admin") await core.users.create({ email, password, role: "admin" });
    const res = role === "admin"
      ? await request("/api/auth/login", { method: "POST", json: { email, password } })
      : await request("/api/auth/register", { method: "POST", json: { email, password } });
    const body = (await res.json()) as any;
    if (!body.success) throw new Error(`signUp failed: ${JSON.stringify(body)}`);
    return { email, password, token: body.data.token as string, user: body.data.user as { id: string; email: string } };
  }

  async function createKey(token: string, json: Record<string, unknown> = { name: "test key" }) {
    const res = await request("/api/keys", { method: "POST", token, json });
    const body = (await res.json()) as any;
    if (res.status !== 201) throw new Error(`createKey failed: ${JSON.stringify(body)}`);
    return body.data as { id: string; key: string };
  }

  return {
    core, app, clock, config, dataDir, logs, request, signUp, createKey,
    async close(removeDir = !opts.dataDir) {
      await core.close();
      if (removeDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The same app on a real socket (port 0). */
export function listen(h: { app: { fetch: (r: Request, ...rest: any[]) => Response | Promise<Response> } }) {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: h.app.fetch });
  return { server, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
