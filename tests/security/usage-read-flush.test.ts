import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// A usage read waits for the counts this process holds, so an owner sees the request they just made. JWT reads are
// not rate-limited: if every read flushed everyone's counts, one account looping on its own key's usage would turn
// the 2-second write-behind of every key into a writer job per read.

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const stored = (keyId: string) =>
  (h.core.deps.db.$client.query("SELECT coalesce(sum(ok), 0) AS n FROM key_usage WHERE key_id = ? AND unit = 'minute'").get(keyId) as { n: number }).n;

describe("reading a key's usage writes only when that key has unwritten counts", () => {
  test("another key's pending counts stay in memory through someone's reads, and show on their owner's read", async () => {
    const admin = await h.signUp("admin");
    const alice = await h.signUp();
    const bob = await h.signUp();
    const quiet = await h.createKey(alice.token);
    const busy = await h.createKey(bob.token);
    // Stops the 2-second flush timer (counting and flushing on demand still work), so only reads can write counts.
    await h.core.usage.close();
    for (let i = 0; i < 3; i++) expect((await h.request("/api/v1/articles", { apiKey: busy.key })).status).toBe(200);

    for (let i = 0; i < 5; i++) {
      expect((await h.request(`/api/keys/${quiet.id}/usage`, { token: alice.token })).status).toBe(200);
      expect((await h.request(`/trpc/keys.usage?input=${encodeURIComponent(JSON.stringify({ json: { id: quiet.id } }))}`, { token: alice.token })).status).toBe(200);
    }
    expect(stored(busy.id)).toBe(0); // still written behind, not by Alice's reads

    const own = (await (await h.request(`/api/keys/${busy.id}/usage?granularity=minute`, { token: bob.token })).json()) as any;
    expect(own.data.totals.ok).toBe(3);
    expect(stored(busy.id)).toBe(3);
    // An admin's read of a key sees its counts the same way; totals still wait for every count.
    expect((await h.request("/api/v1/articles", { apiKey: quiet.key })).status).toBe(200);
    const adminRead = (await (await h.request(`/api/admin/api-keys/${quiet.id}/usage?granularity=minute`, { token: admin.token })).json()) as any;
    expect(adminRead.data.totals.ok).toBe(1);
  });
});
