import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { TRPCClientError } from "@trpc/client";
import { ArgusError, createArgusClient, toArgusError, type ArgusClient } from "../../client/index.ts";
import { countingFetch, recordingSleep, startArgus } from "./server.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let argus: Awaited<ReturnType<typeof startArgus>>;
let admin: { token: string };
const password = "correct horse battery";

beforeAll(async () => {
  argus = await startArgus();
  await argus.core.users.create({ email: "admin@example.com", password, role: "admin" });
  admin = await createArgusClient({ url: argus.url }).auth.login.mutate({ email: "admin@example.com", password });
});
afterAll(() => argus.stop());

/** The rejection of `p`, which must reject. */
async function rejection(p: Promise<unknown>): Promise<ArgusError> {
  const e = await p.then(() => undefined, (e: unknown) => e);
  if (!e) throw new Error("expected the call to fail");
  return e as ArgusError;
}

describe("typed client: success", () => {
  test("register, me with the JWT, a key, me with the key: typed values, dates revived", async () => {
    const anon = createArgusClient({ url: `${argus.url}/` });
    const session = await anon.auth.register.mutate({ email: "Typed@Example.com", password });
    expect(session.user.email).toBe("typed@example.com");
    expect(session.expiresAt).toBeInstanceOf(Date);

    const user: ArgusClient = createArgusClient({ url: argus.url, token: session.token });
    const me = await user.auth.me.query();
    expect(me).toMatchObject({ email: "typed@example.com", role: "user", isActive: true });
    expect(me.createdAt).toBeInstanceOf(Date);

    const created = await user.keys.create.mutate({ name: "sdk" });
    expect(created.key).toStartWith("argus_");
    const viaKey = await createArgusClient({ url: argus.url, apiKey: created.key }).auth.me.query();
    expect(viaKey.id).toBe(me.id);
    expect((await user.keys.list.query()).items.map((k) => k.name)).toEqual(["sdk"]);
  });
});

describe("typed client: errors", () => {
  test("every rejection is an ArgusError (still a TRPCClientError) with the tRPC code and HTTP status", async () => {
    const anon = createArgusClient({ url: argus.url });
    const user = createArgusClient({ url: argus.url, token: (await anon.auth.register.mutate({ email: "errs@example.com", password })).token });

    // Thunks, so each call starts only when its rejection is awaited (no unhandled rejections in between).
    const cases: [() => Promise<unknown>, string, number, string][] = [
      [() => anon.auth.me.query(), "UNAUTHORIZED", 401, "Authentication required"],
      [() => anon.auth.login.mutate({ email: "errs@example.com", password: "wrong password" }), "UNAUTHORIZED", 401, "Invalid email or password"],
      [() => anon.auth.register.mutate({ email: "errs@example.com", password }), "CONFLICT", 409, "Email is already registered"],
      [() => user.admin.users.list.query({}), "FORBIDDEN", 403, "Admin access required"],
      [() => user.keys.revoke.mutate({ id: "no-such-key" }), "NOT_FOUND", 404, "API key not found"],
      [() => anon.auth.register.mutate({ email: "not-an-email", password }), "BAD_REQUEST", 400, ""],
      [() => createArgusClient({ url: argus.url, token: "garbage" }).auth.me.query(), "UNAUTHORIZED", 401, "Invalid or expired token"],
    ];
    for (const [call, code, status, message] of cases) {
      const e = await rejection(call());
      expect(e).toBeInstanceOf(ArgusError);
      expect(e).toBeInstanceOf(TRPCClientError);
      expect({ code: e.code, status: e.status }).toEqual({ code: code as ArgusError["code"], status });
      if (message) expect(e.message).toBe(message);
      expect(e.retryAfter).toBeUndefined();
    }
  });

  test("no server at all is NETWORK_ERROR; toArgusError wraps anything else thrown", async () => {
    const closed = Bun.serve({ port: 0, fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const e = await rejection(createArgusClient({ url }).auth.me.query());
    expect(e).toMatchObject({ name: "ArgusError", code: "NETWORK_ERROR", status: undefined });
    expect(toArgusError(new Error("boom"))).toMatchObject({ code: "NETWORK_ERROR", message: "boom" });
    expect(toArgusError(e)).toBe(e);
  });
});

describe("typed client: retry on 429 (real server, per-key limit)", () => {
  test("without retry the 429 is TOO_MANY_REQUESTS with retryAfter; with retry it waits that long and succeeds", async () => {
    const jwt = createArgusClient({ url: argus.url, token: admin.token });
    const key = await jwt.keys.create.mutate({ name: "limited" });
    // 60 a minute refills one token a second, so an exhausted key is usable again after Retry-After: 1.
    await jwt.admin.apiKeys.update.mutate({ id: key.id, data: { rateLimit: 60 } });

    // The server runs on a manual clock: nothing refills until the test moves it.
    const plain = createArgusClient({ url: argus.url, apiKey: key.key });
    let limited: ArgusError | undefined;
    let calls = 0;
    for (; calls < 200 && !limited; calls++) limited = await plain.auth.me.query().then(() => undefined, (e: ArgusError) => e);
    expect(calls).toBe(61); // the full bucket of 60, then the refusal
    expect(limited).toMatchObject({ code: "TOO_MANY_REQUESTS", status: 429, retryAfter: 1, message: "Rate limit exceeded" });
    // Still refused while the clock stands still.
    expect(await plain.auth.me.query().then(() => undefined, (e: ArgusError) => e.code)).toBe("TOO_MANY_REQUESTS");

    // The injected wait moves the server's clock by exactly what the link asked for, then returns at once.
    const wait = recordingSleep((ms) => argus.clock.advance(ms));
    const wire = countingFetch();
    const patient = createArgusClient({ url: argus.url, apiKey: key.key, fetch: wire.fetch, retry: { attempts: 3, sleep: wait.sleep } });
    const me = await patient.auth.me.query();
    expect(me.email).toBe("admin@example.com");
    expect(wait.delays()).toEqual([1_000]); // Retry-After: 1 × 1000
    expect(wire.calls).toHaveLength(2); // the refused call and the one retry
    for (const call of wire.calls) expect(new URL(call).pathname).toBe("/trpc/auth.me");
  });
});
