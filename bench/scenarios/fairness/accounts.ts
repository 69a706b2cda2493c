// Rows f–g: accounts. One user minting keys (then one tRPC batch of 50 `keys.list`); 50 sign-ups at once while
// another user logs in.
import { hit, json, Tally } from "../../lib/abuse.ts";
import { vmRss } from "../../lib/procstat.ts";
import { fmt } from "../../lib/report.ts";
import { median, percentile } from "../../lib/stats.ts";
import { newAddress, PASSWORD, wanted, type Fairness } from "./context.ts";

/** How many keys the minter tries to create (BENCH_MINT_KEYS, default 20,000 as in issue 9). */
const MINT = Number(process.env.BENCH_MINT_KEYS ?? 20_000);
const SIGNUPS = 50;

export async function accountRows(f: Fairness) {
  const jwt = { authorization: `Bearer ${f.minter.token}` };

  await f.row("f1", `one user mints up to ${fmt.n(MINT)} keys (8 connections)`, async () => {
    const t = new Tally();
    let next = 0;
    let refusedInARow = 0;
    let firstRefusal = 0;
    // Stops early once 100 attempts in a row were refused: past a cap, the rest would only be more of the same.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < MINT && refusedInARow < 100) {
          const i = next++;
          const h = t.add(await hit(`${f.base}/api/keys`, json({ name: `mint ${i}` }, jwt)));
          if (h.status === 201) refusedInARow = 0;
          else {
            refusedInARow++;
            firstRefusal ||= i + 1;
          }
        }
      }),
    );
    return `attempts ${fmt.n(t.count)}: ${t}${firstRefusal ? ` (first refusal at attempt ${fmt.n(firstRefusal)})` : ""}; p50 ${fmt.ms(percentile(t.ms, 50))} ms`;
  });

  await f.row("f2", "then one tRPC batch of 50 `keys.list` (JWT)", async () => {
    const input = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i, { json: {} }]));
    const procs = Array.from({ length: 50 }, () => "keys.list").join(",");
    const url = `${f.base}/trpc/${procs}?${new URLSearchParams({ batch: "1", input: JSON.stringify(input) })}`;
    const rss0 = vmRss(f.server.pid);
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, vmRss(f.server.pid))), 50);
    const h = await hit(url, { headers: jwt });
    clearInterval(sampler);
    peak = Math.max(peak, vmRss(f.server.pid));
    return `status ${h.status}, ${fmt.mb(h.bytes)} in ${fmt.ms(h.ms)} ms; server RSS ${fmt.mb(rss0)} → peak ${fmt.mb(peak)}`;
  });

  if (!wanted("g")) return;
  // The login user's login alone, as the reference for rows g.
  const loginOnce = () => hit(`${f.base}/api/auth/login`, json({ email: f.loginUser.email, password: PASSWORD }, newAddress()));
  const alone: number[] = [];
  for (let i = 0; i < 3; i++) alone.push((await loginOnce()).ms);

  const signupStorm = (label: string, address: (i: number) => Record<string, string>) => async () => {
    const signups = new Tally();
    const logins = new Tally();
    let running = true;
    const storm = Promise.all(
      Array.from({ length: SIGNUPS }, (_, i) =>
        hit(`${f.base}/api/auth/register`, json({ email: `fair-${label}-${i}@example.com`, password: PASSWORD }, address(i))).then((h) => signups.add(h)),
      ),
    ).finally(() => (running = false));
    await Bun.sleep(20); // the sign-ups are in before the first login
    while (running) logins.add(await loginOnce());
    await storm;
    return (
      `sign-ups ${signups} (last answered at ${fmt.ms(Math.max(...signups.ms))} ms); the other user's logins ${logins}: ` +
      `max ${fmt.ms(Math.max(...logins.ms))} ms, p50 ${fmt.ms(percentile(logins.ms, 50))} ms (alone ${fmt.ms(median(alone))} ms)`
    );
  };
  const one = newAddress();
  await f.row("g1", `${SIGNUPS} sign-ups at once from one address while another user logs in`, signupStorm("g1", () => one));
  await f.row("g2", `${SIGNUPS} sign-ups at once from ${SIGNUPS} addresses while another user logs in`, signupStorm("g2", () => newAddress()));
}
