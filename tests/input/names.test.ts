import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createArgusClient } from "../../client/index.ts";
import { createHarness, listen, type Harness } from "../support/harness.ts";
import { codeOf } from "../support/trpc.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

let h: Harness;
beforeEach(async () => (h = await createHarness()));
afterEach(() => h.close());

const count = (table: string) => (h.core.deps.db.$client.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

// A red-text escape, an 8-bit CSI, a bell, a right-to-left override, a line separator, a tab inside.
const hostile = ["evil\u001b[31mred", "csi\u009b2J", "bell\u0007", "abc\u202efdp.exe", "two\u2028lines", "tab\tinside"];

describe("names refuse control characters (400, nothing written)", () => {
  test("POST /api/auth/register with such a name", async () => {
    for (const [i, name] of hostile.entries()) {
      const res = await h.request("/api/auth/register", {
        method: "POST",
        json: { email: `n${i}@example.com`, password: "correct horse battery", name },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        success: false, code: "BAD_REQUEST",
        details: [{ field: "name", message: "must not contain control characters" }],
      });
    }
    expect(count("users")).toBe(0);
  });

  test("POST /api/keys with such a name", async () => {
    const u = await h.signUp();
    for (const name of hostile) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).details).toEqual([{ field: "name", message: "must not contain control characters" }]);
    }
    expect(count("api_keys")).toBe(0);
  });

  test("tRPC keys.create and auth.register with such a name answer BAD_REQUEST", async () => {
    const srv = listen(h);
    try {
      const u = await h.signUp();
      const client = createArgusClient({ url: srv.url, token: u.token });
      expect(await codeOf(client.keys.create.mutate({ name: "evil\u001b]0;pwned\u0007" }))).toBe("BAD_REQUEST");
      const anon = createArgusClient({ url: srv.url });
      expect(await codeOf(anon.auth.register.mutate({ email: "x@example.com", password: "12345678", name: "a\u001bb" }))).toBe("BAD_REQUEST");
      expect(count("api_keys")).toBe(0);
      expect(count("users")).toBe(1);
    } finally {
      srv.stop();
    }
  });

  test("printable names still pass: accents, emoji with joiners, CJK, inner spaces", async () => {
    const u = await h.signUp();
    for (const name of ["Café Ünïcode", "👩‍💻 team key", "集成 键", "a  b"]) {
      const res = await h.request("/api/keys", { method: "POST", token: u.token, json: { name } });
      expect(res.status).toBe(201);
      expect(((await res.json()) as any).data.name).toBe(name);
    }
  });
});
