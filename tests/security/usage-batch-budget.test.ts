import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// A usage series is bounded per call (at most ~3,000 points), but a tRPC batch holds 50 calls: fifty full minute
// series of one's own key were one answer of ~27 MB, built in one go on the serving thread (about a second here).

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const MINUTE = 60_000;

/** Every minute of the last 48 hours used once by `keyId`, through the writer's own usage job. */
async function twoDaysOfMinutes(keyId: string) {
  const now = h.clock.now();
  const minute = now - (now % MINUTE);
  const increments = Array.from({ length: 2880 }, (_, i) => [keyId, minute - i * MINUTE, [1, 0, 0, 0, 0, 0, 0, 0, 0]]);
  await h.core.deps.work.write("usage.add", { increments } as never);
  return new Date(minute - 2879 * MINUTE);
}

const batch = (path: string, inputs: unknown[], token: string) => {
  const input = Object.fromEntries(inputs.map((json, i) => [i, { json }]));
  return h.request(`/trpc/${inputs.map(() => path).join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, { token });
};

describe("usage series in one tRPC batch share a budget of points", () => {
  test("a batch of full minute series: the first is answered in full, the rest are refused, and the answer stays small", async () => {
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    const since = (await twoDaysOfMinutes(key.id)).toISOString();
    const q = { id: key.id, granularity: "minute", since };

    const lone = await batch("keys.usage", [q], user.token);
    expect(lone.status).toBe(200);
    expect(((await lone.json()) as any)[0].result.data.json.points).toHaveLength(2880);

    const res = await batch("keys.usage", Array(50).fill(q), user.token);
    const text = await res.text();
    expect(text.length).toBeLessThan(2_000_000); // one series' worth, not fifty
    const body = JSON.parse(text) as any[];
    expect(body).toHaveLength(50);
    expect(body[0].result.data.json.points).toHaveLength(2880);
    for (const call of body.slice(1)) {
      expect(call.error.json.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400, appCode: "BAD_REQUEST" });
      expect(call.error.json.data.details).toEqual([{ field: "(batch)", message: expect.stringContaining("3000") }]);
    }
    // The admin's procedure shares the rule.
    const admin = await h.signUp("admin");
    const adminBody = (await (await batch("admin.keyUsage", [q, q], admin.token)).json()) as any[];
    expect(adminBody[0].result.data.json.points).toHaveLength(2880);
    expect(adminBody[1].error.json.data.code).toBe("BAD_REQUEST");
  });

  test("many small series fit: fifty day-long hour series of a busy key are all answered", async () => {
    const user = await h.signUp();
    const key = await h.createKey(user.token);
    await twoDaysOfMinutes(key.id);
    const res = await batch("keys.usage", Array(50).fill({ id: key.id, granularity: "hour" }), user.token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any[];
    for (const call of body) expect(call.result.data.json.points.length).toBeGreaterThanOrEqual(24);
  });
});
