import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness } from "../support/harness.ts";
import { argus, createUser, dataDirFixture } from "./run.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let data: ReturnType<typeof dataDirFixture>;
beforeEach(async () => {
  data = dataDirFixture();
  await createUser(data.dir, "user@example.com");
});
afterEach(() => data.remove());

const createKey = async (name: string) => {
  const r = await argus(["keys", "create", "--email", "user@example.com", "--name", name, "--json"], { dataDir: data.dir });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { id: string; key: string };
};

describe("argus keys roll / revoke --reason / list --include-revoked", () => {
  test("roll prints only the new key; both keys work during the grace period; a second roll is exit 1", async () => {
    const old = await createKey("ci");
    const r = await argus(["keys", "roll", old.id, "--grace", "3600"], { dataDir: data.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^argus_[0-9a-f]{32}\n$/);
    expect(r.stderr).toContain('rolled API key "ci"');
    expect(r.stderr).toContain("shown only this once");
    const h = await createHarness({}, { dataDir: data.dir });
    try {
      expect((await h.request("/api/auth/me", { apiKey: old.key })).status).toBe(200);
      expect((await h.request("/api/auth/me", { apiKey: r.stdout.trim() })).status).toBe(200);
    } finally {
      await h.close();
    }
    const again = await argus(["keys", "roll", old.id], { dataDir: data.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toStartWith("argus: API key has already been rotated");
    // A bad flag value is a usage error (exit 2), whether it is not a whole number or out of range.
    for (const [grace, code] of [["soon", 2], ["1.5", 2], ["2592001", 2]] as const) {
      const bad = await argus(["keys", "roll", old.id, "--grace", grace], { dataDir: data.dir });
      expect({ grace, code: bad.code }).toEqual({ grace, code });
      expect(bad.stderr).toContain("--grace");
    }
  });

  test("revoke --reason is kept and shown by list --include-revoked", async () => {
    const k = await createKey("old");
    expect((await argus(["keys", "revoke", k.id, "--reason", "retired"], { dataDir: data.dir })).code).toBe(0);
    const plain = await argus(["keys", "list", "--email", "user@example.com", "--json"], { dataDir: data.dir });
    expect(JSON.parse(plain.stdout)).toEqual([]);
    const all = await argus(["keys", "list", "--email", "user@example.com", "--include-revoked"], { dataDir: data.dir });
    expect(all.stdout).toMatch(/old\s+argus_\w{2}…\w{4}\s+articles:read\s+revoked \(retired\)/);
  });
});
