import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../client/index.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// The client address comes from X-Forwarded-For (a trusted proxy), so one test can speak from many addresses.
let h: Harness;
beforeEach(async () => (h = await createHarness({ trustProxy: true })));
afterEach(() => h.close());

const FIFTEEN_MINUTES = 15 * 60 * 1000;
const json = async (res: Response) => (await res.json()) as any;
const login = (from: string, email: string, password: string) =>
  h.request("/api/auth/login", { method: "POST", json: { email, password }, headers: { "x-forwarded-for": from } });
const statuses = async (attempts: (Response | Promise<Response>)[]) => (await Promise.all(attempts)).map((r) => r.status);
const count = (list: number[], status: number) => list.filter((s) => s === status).length;

describe("login throttling: an attacker cannot lock the owner out", () => {
  test("attackers failing from A, B and C are refused; the owner's right password from V still gets 200", async () => {
    const victim = await h.signUp();
    for (const from of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) {
      const tries = [];
      for (let i = 0; i < 15; i++) tries.push((await login(from, victim.email, `guess-${i}`)).status);
      // A's ten guesses spend the email's budget; B and C each get the one guess of an address that has not failed.
      expect(count(tries, 401)).toBe(from === "10.0.0.1" ? 10 : 1);
      expect(count(tries, 429)).toBe(from === "10.0.0.1" ? 5 : 14);
    }
    const owner = await login("192.0.2.7", victim.email, victim.password);
    expect(owner.status).toBe(200);
    expect((await json(owner)).data.user.email).toBe(victim.email);

    // The attacker's addresses stay refused, even with the right password, and are told when to come back.
    const attacker = await login("10.0.0.1", victim.email, victim.password);
    expect(attacker.status).toBe(429);
    const retryAfter = Number(attacker.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await json(attacker)).toEqual({
      success: false, code: "TOO_MANY_REQUESTS", error: "Too many failed login attempts, try again later", retryAfter,
    });
    expect((await login("10.0.0.2", victim.email, victim.password)).status).toBe(429);
  });

  test("once the email's budget is spent, guessing from many addresses slows to one guess per address", async () => {
    const victim = await h.signUp();
    for (let i = 0; i < 10; i++) expect((await login("10.0.0.1", victim.email, `guess-${i}`)).status).toBe(401);
    for (let n = 2; n <= 21; n++) {
      const from = `10.0.1.${n}`;
      expect((await login(from, victim.email, "first-guess")).status).toBe(401);
      // Without the per-email limit each address would get ten; here its second guess waits out the window.
      const second = await login(from, victim.email, "second-guess");
      expect(second.status).toBe(429);
      expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(60);
    }
    // An address that has failed once is clean again after the window (and the email's budget has refilled).
    h.clock.advance(FIFTEEN_MINUTES);
    expect((await login("10.0.1.2", victim.email, victim.password)).status).toBe(200);
  });

  test("the owner who mistypes while the email is under attack is slowed only at that address", async () => {
    const victim = await h.signUp();
    for (let i = 0; i < 10; i++) await login("10.0.0.1", victim.email, `guess-${i}`);
    expect((await login("192.0.2.7", victim.email, "typo")).status).toBe(401);
    expect((await login("192.0.2.7", victim.email, victim.password)).status).toBe(429);
    expect((await login("198.51.100.9", victim.email, victim.password)).status).toBe(200);
  });

  test("ten failures from one address lock that address out of that email only, until the window passes", async () => {
    const victim = await h.signUp();
    const other = await h.signUp();
    for (let i = 0; i < 10; i++) expect((await login("10.0.0.1", victim.email, `guess-${i}`)).status).toBe(401);
    expect((await login("10.0.0.1", victim.email, victim.password)).status).toBe(429);
    expect((await login("10.0.0.1", other.email, other.password)).status).toBe(200);
    h.clock.advance(FIFTEEN_MINUTES);
    expect((await login("10.0.0.1", victim.email, victim.password)).status).toBe(200);
  });

  test("fifty failures from one address, over many emails, lock that address for every email", async () => {
    const victim = await h.signUp();
    for (let i = 0; i < 50; i++) expect((await login("10.0.0.1", `nobody${i}@example.com`, "guess")).status).toBe(401);
    expect((await login("10.0.0.1", victim.email, victim.password)).status).toBe(429);
    expect((await login("10.0.0.2", victim.email, victim.password)).status).toBe(200);
  });
});

describe("login throttling under concurrency", () => {
  test("30 concurrent logins with the right password for one email all get 200", async () => {
    const u = await h.signUp();
    const all = await statuses(Array.from({ length: 30 }, () => login("10.0.0.1", u.email, u.password)));
    expect(all).toEqual(Array(30).fill(200));
  });

  test("40 concurrent wrong passwords for one email from one address: exactly 10 get 401, 30 get 429", async () => {
    const u = await h.signUp();
    const all = await statuses(Array.from({ length: 40 }, (_, i) => login("10.0.0.1", u.email, `wrong-${i}`)));
    expect([count(all, 401), count(all, 429)]).toEqual([10, 30]);
    expect((await login("10.0.0.1", u.email, u.password)).status).toBe(429);
  });

  test("right and wrong passwords at once: still exactly 10 wrong ones are checked", async () => {
    const u = await h.signUp();
    const attempts = Array.from({ length: 40 }, (_, i) => login("10.0.0.1", u.email, i % 2 ? u.password : `wrong-${i}`));
    const all = await statuses(attempts);
    const right = all.filter((_, i) => i % 2);
    const wrong = all.filter((_, i) => !(i % 2));
    expect(count(right, 200) + count(right, 429)).toBe(20);
    expect(count(wrong, 401)).toBe(10);
    expect(count(wrong, 429)).toBe(10);
    // Right passwords checked before the tenth failure came back succeed; later ones meet a real lockout.
    expect(count(right, 200)).toBeGreaterThan(0);
  });

  test("a tRPC batch of 20 logins with the right password all succeed", async () => {
    const u = await h.signUp();
    const srv = listen(h);
    try {
      const client = createArgusClient({ url: srv.url });
      const results = await Promise.all(Array.from({ length: 20 }, () => client.auth.login.mutate({ email: u.email, password: u.password })));
      expect(results.map((r) => r.user.email)).toEqual(Array(20).fill(u.email));
    } finally {
      srv.stop();
    }
  });
});
