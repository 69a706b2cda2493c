import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../../db/schema.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The real hashing pool of the harness's core. Tests occupy its slots with jobs they release themselves, so
// "every core is busy" is a state the test controls rather than a race against argon2's speed.
let h: Harness;
beforeEach(async () => (h = await createHarness({ hashQueueMax: 4, trustProxy: true })));
afterEach(() => h.close());

const json = async (res: Response) => (await res.json()) as any;
const password = "correct horse battery";
const login = (email: string, pw = password) => h.request("/api/auth/login", { method: "POST", json: { email, password: pw } });
const register = (email: string, from = "10.0.0.1") =>
  h.request("/api/auth/register", { method: "POST", json: { email, password }, headers: { "x-forwarded-for": from } });

/** Holds `n` jobs in the pool (lane "login") until release() is called. */
function hold(n: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const jobs = Array.from({ length: n }, () => h.core.hashing.run("login", () => gate));
  return { release: async () => (release(), await Promise.all(jobs)) };
}
/** Occupies every core, once whatever ran before (the sign-up, the boot-time dummy hash) has finished. */
async function busy() {
  for (let i = 0; i < 10_000 && h.core.hashing.load().running > 0; i++) await new Promise((r) => setImmediate(r));
  expect(h.core.hashing.load()).toEqual({ running: 0, waiting: 0 });
  return hold(h.core.hashing.concurrency);
}
/** Waits (a condition, not a time) until `n` jobs wait in the pool: requests take a few awaited steps to get there. */
async function waiting(n: number) {
  for (let i = 0; i < 10_000 && h.core.hashing.load().waiting < n; i++) await new Promise((r) => setImmediate(r));
  expect(h.core.hashing.load().waiting).toBe(n);
}

describe("password hashing is a bounded resource", () => {
  test("with every core busy and the queue full, a login gets 503 SERVICE_UNAVAILABLE with Retry-After", async () => {
    const u = await h.signUp();
    const cores = await busy();
    const queued = hold(4); // ARGUS_HASH_QUEUE_MAX = 4
    expect(h.core.hashing.load()).toEqual({ running: h.core.hashing.concurrency, waiting: 4 });

    const res = await login(u.email);
    expect(res.status).toBe(503);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await json(res)).toEqual({
      success: false, code: "SERVICE_UNAVAILABLE", error: "Server is busy checking passwords, try again shortly", retryAfter,
    });

    const trpc = await h.request("/trpc/auth.login", { method: "POST", json: { json: { email: u.email, password } } });
    expect(trpc.status).toBe(503);
    expect(Number(trpc.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await json(trpc)).error.json.data).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 });

    await cores.release();
    await queued.release();
    expect((await login(u.email)).status).toBe(200);
  });

  test("a 503 is not a failed login: twelve of them leave the throttles untouched", async () => {
    const u = await h.signUp();
    const cores = await busy();
    const queued = hold(4);
    for (let i = 0; i < 12; i++) expect((await login(u.email, "wrong-password")).status).toBe(503);
    await cores.release();
    await queued.release();
    for (let i = 0; i < 10; i++) expect((await login(u.email, "wrong-password")).status).toBe(401);
    expect((await login(u.email, "wrong-password")).status).toBe(429);
  });

  test("sign-ups may fill only half the queue: a third waiting sign-up gets 503, a login still waits its turn", async () => {
    const u = await h.signUp();
    const cores = await busy();
    const waitingSignups = [register("a@example.com", "10.0.0.1"), register("b@example.com", "10.0.0.2")];
    await waiting(2);
    const third = await register("c@example.com", "10.0.0.3");
    expect(third.status).toBe(503);
    expect(third.headers.get("retry-after")).not.toBeNull();
    expect(h.core.deps.db.select().from(users).where(eq(users.email, "c@example.com")).get()).toBeUndefined();

    const waitingLogin = login(u.email);
    await waiting(3);
    await cores.release();
    expect((await waitingLogin).status).toBe(200);
    expect((await Promise.all(waitingSignups)).map((r) => r.status)).toEqual([201, 201]);
  });

  test("when both wait, logins are served before sign-ups", async () => {
    const cores = await busy();
    const started: string[] = [];
    const job = (name: string) => async () => void started.push(name);
    const done = [
      h.core.hashing.run("signup", job("signup 1")),
      h.core.hashing.run("login", job("login 1")),
      h.core.hashing.run("signup", job("signup 2")),
      h.core.hashing.run("login", job("login 2")),
    ];
    await cores.release();
    await Promise.all(done);
    expect(started).toEqual(["login 1", "login 2", "signup 1", "signup 2"]);
  });
});
