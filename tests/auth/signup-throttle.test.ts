import { afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { loadConfig } from "../../server/config.ts";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
afterEach(async () => {
  await h?.close();
  h = undefined!;
});

const json = async (res: Response) => (await res.json()) as any;
const register = (email: string, from = "10.0.0.1", password = "correct horse battery") =>
  h.request("/api/auth/register", { method: "POST", json: { email, password }, headers: { "x-forwarded-for": from } });
const userCount = () => h.core.deps.db.$client.query("SELECT count(*) AS n FROM users").get() as { n: number };

describe("sign-up is throttled per client address (ARGUS_SIGNUP_LIMIT_PER_HOUR)", () => {
  test("past the limit a sign-up gets 429 with Retry-After and creates nothing; an existing email counts too", async () => {
    h = await createHarness({ signupLimitPerHour: 3, trustProxy: true });
    expect((await register("a@example.com")).status).toBe(201);
    expect((await register("a@example.com")).status).toBe(409); // probing an email spends a sign-up too
    expect((await register("b@example.com")).status).toBe(201);
    const refused = await register("c@example.com");
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(20 * 60); // 3 an hour: one comes back every 20 minutes
    expect(await json(refused)).toEqual({
      success: false, code: "TOO_MANY_REQUESTS", error: "Too many sign-ups from this address, try again later", retryAfter,
    });
    expect((await register("a@example.com")).status).toBe(429); // nor can it tell whether an email exists
    expect(userCount().n).toBe(2);

    expect((await register("c@example.com", "10.0.0.2")).status).toBe(201); // another address has its own budget
    h.clock.advance(retryAfter * 1000);
    expect((await register("d@example.com")).status).toBe(201);
    expect((await register("e@example.com")).status).toBe(429);
  });

  test("invalid input does not count; tRPC sign-ups share the same budget", async () => {
    h = await createHarness({ signupLimitPerHour: 2, trustProxy: true });
    for (let i = 0; i < 5; i++) expect((await register("not-an-email")).status).toBe(400);
    expect((await register("a@example.com")).status).toBe(201);
    const trpc = (email: string) =>
      h.request("/trpc/auth.register", {
        method: "POST", json: { json: { email, password: "correct horse battery" } }, headers: { "x-forwarded-for": "10.0.0.1" },
      });
    expect((await trpc("b@example.com")).status).toBe(200);
    const refused = await trpc("c@example.com");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await json(refused)).error.json.data.code).toBe("TOO_MANY_REQUESTS");
  });

  test("0 turns the throttle off", async () => {
    h = await createHarness({ signupLimitPerHour: 0 });
    for (let i = 0; i < 12; i++) expect((await register(`u${i}@example.com`)).status).toBe(201);
  });

  test("the default is 5 an hour; 0 is allowed, a negative value is a configuration error", () => {
    expect(loadConfig({}).signupLimitPerHour).toBe(5);
    expect(loadConfig({ ARGUS_SIGNUP_LIMIT_PER_HOUR: "0" }).signupLimitPerHour).toBe(0);
    expect(() => loadConfig({ ARGUS_SIGNUP_LIMIT_PER_HOUR: "-1" })).toThrow("ARGUS_SIGNUP_LIMIT_PER_HOUR");
    expect(loadConfig({}).hashQueueMax).toBe(64);
    expect(() => loadConfig({ ARGUS_HASH_QUEUE_MAX: "0" })).toThrow("ARGUS_HASH_QUEUE_MAX");
  });
});
