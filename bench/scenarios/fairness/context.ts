// What every fairness row gets: the server, the callers it prepared, and `row()` to measure one abuse.
import { ADMIN, DURATION_MS, RATE_LIMIT } from "../../lib/config.ts";
import { api, createKey, expectOk, register } from "../../lib/api.ts";
import { withVictim, type VictimStats } from "../../lib/victim.ts";
import { fmt, log } from "../../lib/report.ts";
import type { Seeded } from "../../seed-articles.ts";
import type { Server } from "../../lib/servers.ts";

/** Concurrent requests per abuser loop (BENCH_ABUSERS, default 4): one caller may hold several connections. */
export const ABUSERS = Number(process.env.BENCH_ABUSERS ?? 4);
export const ABUSE_MS = DURATION_MS;
export const PASSWORD = "fairness password";

const only = process.env.BENCH_FAIRNESS_ROWS?.split(",").map((s) => s.trim());
/** BENCH_FAIRNESS_ROWS=a,c,h,pages runs a subset; unset, every row. */
export const wanted = (id: string) => !only || only.includes(id);

export type RowResult = { id: string; what: string; side: string; stats: VictimStats };

let address = 0;
/** A fresh client address (the server trusts X-Forwarded-For here), so setup never trips per-address throttles. */
export const newAddress = () => {
  address++;
  return { "x-forwarded-for": `10.9.${address >> 8}.${address & 255}` };
};

export type Fairness = Awaited<ReturnType<typeof prepareFairness>>;

/** Over HTTP: the admin, a victim, an abuser, a key minter and a login user, each with what its rows need. */
export async function prepareFairness(server: Server, seeded: Seeded) {
  const base = server.url;
  const adminToken = (await expectOk("admin login", api(base, "/api/auth/login", { json: ADMIN, headers: newAddress() }))).data.token as string;
  const user = async (name: string) => {
    const u = { email: `fair-${name}@example.com`, password: PASSWORD };
    return { ...u, token: await register(base, u, newAddress()) };
  };
  const [victim, abuser, minter, loginUser] = [await user("victim"), await user("abuser"), await user("minter"), await user("login")];
  const victimKey = await createKey(base, victim.token, { adminToken, limit: RATE_LIMIT, name: "victim" });
  const abuserKey = await createKey(base, abuser.token, { adminToken, limit: RATE_LIMIT, name: "abuser" });
  const writeKey = await createKey(base, adminToken, { adminToken, limit: RATE_LIMIT, name: "writer", scopes: ["articles:read", "articles:write"] });
  const results: RowResult[] = [];
  return {
    base,
    server,
    seeded,
    adminToken,
    victimKey,
    abuser: { ...abuser, key: abuserKey },
    minter,
    loginUser,
    writeKey,
    results,
    /** Measures the victim while `abuse` runs; `abuse` returns the row's side figure. */
    async row(id: string, what: string, abuse: () => Promise<string>, victim = { base, key: victimKey }) {
      if (!wanted(id.replace(/\d$/, ""))) return;
      log(`row ${id}: ${what}`);
      const { stats, side } = await withVictim(victim, abuse);
      log(`  victim n ${stats.n}, p50 ${fmt.ms(stats.p50)} ms, p99 ${fmt.ms(stats.p99)} ms, max ${fmt.ms(stats.max)} ms; ${side}`);
      results.push({ id, what, side, stats });
    },
  };
}
