import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { tempDir } from "../support/harness.ts";
import { startServerProcess, type ServerProcess } from "../support/process.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Issue 9's row "50 sign-ups at once: another user's login 130 ms -> 2.7-3.8 s", against a real server with
// argon2id at full cost. Asserted as an order, not a time: the victim's login overtakes the queued sign-ups.
let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({
    ARGUS_DATA_DIR: tempDir(), ARGUS_SIGNUP_LIMIT_PER_HOUR: "0", ARGUS_HASH_QUEUE_MAX: "16", // sign-ups may queue 8
  });
});
afterAll(async () => server?.stop());

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const password = "correct horse battery";

describe("a flood of sign-ups cannot hold up a login", () => {
  test("30 sign-ups at once: the excess gets 503 with Retry-After, and a login is served before the queued sign-ups", async () => {
    expect((await post("/api/auth/register", { email: "victim@example.com", password })).status).toBe(201);

    let finished = 0;
    const signups = Array.from({ length: 30 }, (_, i) =>
      post("/api/auth/register", { email: `flood${i}@example.com`, password }).then(async (r) => {
        if (r.status === 201) finished++;
        return { status: r.status, retryAfter: r.headers.get("retry-after"), body: (await r.json()) as any };
      }));
    const login = await post("/api/auth/login", { email: "victim@example.com", password });
    const finishedBeforeLogin = finished;
    expect(login.status).toBe(200);

    const results = await Promise.all(signups);
    const admitted = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 503);
    expect(admitted + refused.length).toBe(30);
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.body).toMatchObject({ success: false, code: "SERVICE_UNAVAILABLE", retryAfter: Number(r.retryAfter) });
    }
    // At most 8 sign-ups wait plus one per core running: the rest were refused at once rather than queued.
    expect(admitted).toBeLessThanOrEqual(8 + navigator.hardwareConcurrency + 4);
    // Without priority the login would wait behind every queued sign-up; with it, only behind those already running.
    expect(finishedBeforeLogin).toBeLessThan(admitted);
    expect(finishedBeforeLogin).toBeLessThanOrEqual(navigator.hardwareConcurrency * 2);
  });
});
