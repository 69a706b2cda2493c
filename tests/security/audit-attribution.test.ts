import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createHarness, type Harness } from "../support/harness.ts";

setDefaultTimeout(60_000);

// Who an audit event names must not depend on credentials a caller attaches to a request that does not use them.

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const failedLogins = () =>
  h.core.deps.db.$client
    .query("SELECT actor, subject_user_id AS subject FROM audit_events WHERE action = 'auth.login_failed' ORDER BY seq")
    .all() as { actor: string; subject: string | null }[];

describe("auth.login_failed is recorded as anonymous whatever else the request carries", () => {
  test("over tRPC with another account's bearer token, or an API key, as over REST", async () => {
    const attacker = await h.signUp();
    const victim = await h.signUp();
    const key = await h.createKey(attacker.token);
    const wrong = { email: victim.email, password: "not the password" };

    const rest = await h.request("/api/auth/login", { method: "POST", token: attacker.token, json: wrong });
    expect(rest.status).toBe(401);
    const bearer = await h.request("/trpc/auth.login", { method: "POST", token: attacker.token, json: { json: wrong } });
    expect(bearer.status).toBe(401);
    const viaKey = await h.request("/trpc/auth.login", { method: "POST", apiKey: key.key, json: { json: wrong } });
    expect(viaKey.status).toBe(401);

    expect(failedLogins()).toEqual([
      { actor: "anonymous", subject: victim.user.id },
      { actor: "anonymous", subject: victim.user.id },
      { actor: "anonymous", subject: victim.user.id },
    ]);
    // The victim's own events say the same: nobody's account id is put on a failed sign-in.
    const own = (await (await h.request("/api/auth/events", { token: victim.token })).json()) as any;
    const failed = own.data.filter((e: any) => e.action === "auth.login_failed");
    expect(failed.map((e: any) => e.actor)).toEqual(["anonymous", "anonymous", "anonymous"]);
    // And the attacker's id filters to nothing but their own sign-up and key.
    const admin = await h.signUp("admin");
    const byAttacker = (await (await h.request(`/api/admin/audit?actor=${attacker.user.id}`, { token: admin.token })).json()) as any;
    expect(byAttacker.data.map((e: any) => e.action).sort()).toEqual(["key.create", "user.register"]);
  });
});
