import { afterAll, describe, expect, test } from "bun:test";
import { createArgusClient, type ArgusError } from "../../client/index.ts";

// A stand-in server answering tRPC's batch format, to pin down the retry rules the real server cannot stage
// cheaply: a Retry-After header without error data, endless 429s, and waits longer than the caller accepts.
type Answer = { retryAfterData?: number; retryAfterHeader?: string } | "ok";
let script: Answer[] = [];
let hits: number[] = [];

const fake = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch() {
    hits.push(performance.now());
    const answer = script.shift() ?? "ok";
    if (answer === "ok") {
      return Response.json([{ result: { data: { json: { id: "u1", email: "fake@example.com" } } } }]);
    }
    const data = { code: "TOO_MANY_REQUESTS", httpStatus: 429, path: "auth.me", retryAfter: answer.retryAfterData };
    const headers = answer.retryAfterHeader === undefined ? undefined : { "retry-after": answer.retryAfterHeader };
    return Response.json([{ error: { json: { message: "Rate limit exceeded", code: -32029, data } } }], { status: 429, headers });
  },
});
afterAll(() => fake.stop(true));
const url = `http://127.0.0.1:${fake.port}`;

function stage(...answers: Answer[]) {
  script = answers;
  hits = [];
}
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a failure"); }, (e: ArgusError) => e);

describe("rateLimitRetryLink", () => {
  test("falls back to the Retry-After header when the error data has no retryAfter", async () => {
    stage({ retryAfterHeader: "1" }, "ok");
    const client = createArgusClient({ url, retry: { attempts: 1 } });
    expect(await client.auth.me.query()).toMatchObject({ email: "fake@example.com" });
    expect(hits).toHaveLength(2);
    expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(990);
  });

  test("stops after `attempts` retries and surfaces the last 429", async () => {
    stage({ retryAfterData: 0 }, { retryAfterData: 0 }, { retryAfterData: 0 }, { retryAfterData: 0 }, "ok");
    const e = await failure(createArgusClient({ url, retry: { attempts: 2 } }).auth.me.query());
    expect(e).toMatchObject({ code: "TOO_MANY_REQUESTS", retryAfter: 0 });
    expect(hits).toHaveLength(3); // the call and two retries
  });

  test("does not wait longer than maxDelayMs: a 2-minute Retry-After fails at once", async () => {
    stage({ retryAfterData: 120, retryAfterHeader: "120" }, "ok");
    const started = performance.now();
    const e = await failure(createArgusClient({ url, retry: { attempts: 5, maxDelayMs: 5_000 } }).auth.me.query());
    expect(e).toMatchObject({ code: "TOO_MANY_REQUESTS", retryAfter: 120 });
    expect(hits).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  test("without the option a 429 is never retried", async () => {
    stage({ retryAfterData: 0 }, "ok");
    const e = await failure(createArgusClient({ url }).auth.me.query());
    expect(e.code).toBe("TOO_MANY_REQUESTS");
    expect(hits).toHaveLength(1);
  });

  test("aborting during the wait rejects at once (CLIENT_CLOSED_REQUEST) and sends no retry", async () => {
    stage({ retryAfterData: 1 }, "ok");
    const abort = new AbortController();
    const call = failure(createArgusClient({ url, retry: { attempts: 3 } }).auth.me.query(undefined, { signal: abort.signal }));
    await Bun.sleep(100);
    const aborted = performance.now();
    abort.abort();
    expect(await call).toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    expect(performance.now() - aborted).toBeLessThan(100);
    await Bun.sleep(1_100); // past the Retry-After: the pending retry must find the signal aborted
    expect(hits).toHaveLength(1);
  });
});
