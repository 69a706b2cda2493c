import { afterAll, afterEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient, type ArgusError } from "../../client/index.ts";
import { countingFetch, recordingSleep } from "./server.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// A stand-in server answering tRPC's batch format, to pin down the retry rules the real server cannot stage
// cheaply: a Retry-After header without error data, endless 429s, and waits longer than the caller accepts.
// Waits go through an injected sleep that records what was asked for, so no test waits on a timer.
type Answer = { retryAfterData?: number; retryAfterHeader?: string } | "ok";
let script: Answer[] = [];
let hits: string[] = [];

const fake = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    hits.push(new URL(req.url).pathname);
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
// Each test stages its own answers; nothing a test leaves behind reaches the next one.
afterEach(() => {
  script = [];
  hits = [];
});
const url = `http://127.0.0.1:${fake.port}`;

function stage(...answers: Answer[]) {
  script = answers;
  hits = [];
}
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a failure"); }, (e: ArgusError) => e);

describe("rateLimitRetryLink", () => {
  test("falls back to the Retry-After header when the error data has no retryAfter", async () => {
    stage({ retryAfterHeader: "1" }, "ok");
    const wait = recordingSleep();
    const client = createArgusClient({ url, retry: { attempts: 1, sleep: wait.sleep } });
    const me: unknown = await client.auth.me.query(); // the stand-in answers only these two fields
    expect(me).toEqual({ id: "u1", email: "fake@example.com" });
    expect(wait.delays()).toEqual([1_000]); // Retry-After: 1 × 1000
    expect(hits).toEqual(["/trpc/auth.me", "/trpc/auth.me"]);
  });

  test("waits what the error data says, ahead of the header", async () => {
    stage({ retryAfterData: 3, retryAfterHeader: "7" }, "ok");
    const wait = recordingSleep();
    const client = createArgusClient({ url, retry: { attempts: 1, sleep: wait.sleep } });
    expect(await client.auth.me.query()).toMatchObject({ email: "fake@example.com" });
    expect(wait.delays()).toEqual([3_000]);
    expect(hits).toHaveLength(2);
  });

  test("stops after `attempts` retries and surfaces the last 429", async () => {
    stage({ retryAfterData: 0 }, { retryAfterData: 0 }, { retryAfterData: 0 }, { retryAfterData: 0 }, "ok");
    const wait = recordingSleep();
    const e = await failure(createArgusClient({ url, retry: { attempts: 2, sleep: wait.sleep } }).auth.me.query());
    expect(e).toMatchObject({ code: "TOO_MANY_REQUESTS", status: 429, retryAfter: 0, message: "Rate limit exceeded" });
    expect(hits).toHaveLength(3); // the call and two retries
    expect(wait.delays()).toEqual([0, 0]);
  });

  test("does not wait longer than maxDelayMs: a 2-minute Retry-After fails without waiting at all", async () => {
    stage({ retryAfterData: 120, retryAfterHeader: "120" }, "ok");
    const wait = recordingSleep();
    const e = await failure(createArgusClient({ url, retry: { attempts: 5, maxDelayMs: 5_000, sleep: wait.sleep } }).auth.me.query());
    expect(e).toMatchObject({ code: "TOO_MANY_REQUESTS", retryAfter: 120 });
    expect(hits).toHaveLength(1);
    expect(wait.delays()).toEqual([]); // never asked to wait
  });

  test("without the option a 429 is never retried", async () => {
    stage({ retryAfterData: 0 }, "ok");
    const e = await failure(createArgusClient({ url }).auth.me.query());
    expect(e.code).toBe("TOO_MANY_REQUESTS");
    expect(hits).toHaveLength(1);
  });

  test("other errors pass straight through, unretried", async () => {
    const wait = recordingSleep();
    const wire = countingFetch();
    const other = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () =>
        Response.json([{ error: { json: { message: "Authentication required", code: -32001, data: { code: "UNAUTHORIZED", httpStatus: 401, path: "auth.me" } } } }], { status: 401 }),
    });
    try {
      const client = createArgusClient({ url: `http://127.0.0.1:${other.port}`, fetch: wire.fetch, retry: { attempts: 3, sleep: wait.sleep } });
      expect(await failure(client.auth.me.query())).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
      expect(wire.calls).toHaveLength(1);
      expect(wait.delays()).toEqual([]);
    } finally {
      await other.stop(true);
    }
  });

  test("aborting during the wait rejects at once (CLIENT_CLOSED_REQUEST), cancels the wait and sends no retry", async () => {
    stage({ retryAfterData: 1 }, "ok", "ok");
    // A wait that only ends when its signal aborts; `waiting` resolves once the link is inside it.
    let inWait!: () => void;
    const waiting = new Promise<void>((resolve) => (inWait = resolve));
    let waitEnded!: Promise<unknown>;
    const wait = recordingSleep((_ms, signal) => {
      const ended = new Promise<void>((_resolve, reject) => signal!.addEventListener("abort", () => reject(signal!.reason), { once: true }));
      waitEnded = ended.catch(() => "aborted");
      inWait();
      return ended;
    });
    const wire = countingFetch();
    const client = createArgusClient({ url, fetch: wire.fetch, retry: { attempts: 3, sleep: wait.sleep } });
    const abort = new AbortController();
    const call = failure(client.auth.me.query(undefined, { signal: abort.signal }));
    await waiting;
    expect(wait.delays()).toEqual([1_000]);
    expect(wait.waits[0]!.signal!.aborted).toBe(false);

    abort.abort();
    expect(await call).toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    expect(await waitEnded).toBe("aborted"); // the link's wait was cancelled by the caller's signal
    // A marker call on the same client: by the time it is answered, any retry the link had queued would
    // have gone out (tRPC dispatches batches in order), so the wire shows exactly the first call and the marker.
    expect(await client.auth.me.query()).toMatchObject({ email: "fake@example.com" });
    expect(wire.calls).toHaveLength(2);
    expect(hits).toEqual(["/trpc/auth.me", "/trpc/auth.me"]);
    expect(wait.delays()).toEqual([1_000]);
  });

  test("a wait that ignores the signal still sends no retry once the caller has aborted", async () => {
    stage({ retryAfterData: 2 }, "ok", "ok");
    const abort = new AbortController();
    // The worst case: the caller aborts while the wait runs, and the wait then finishes normally.
    const wait = recordingSleep(() => abort.abort());
    const wire = countingFetch();
    const client = createArgusClient({ url, fetch: wire.fetch, retry: { attempts: 3, sleep: wait.sleep } });
    expect(await failure(client.auth.me.query(undefined, { signal: abort.signal }))).toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
    expect(await client.auth.me.query()).toMatchObject({ email: "fake@example.com" }); // the marker, as above
    expect(wait.delays()).toEqual([2_000]);
    expect(wire.calls).toHaveLength(2);
    expect(hits).toEqual(["/trpc/auth.me", "/trpc/auth.me"]); // no retry, not even batched with the marker
  });
});
