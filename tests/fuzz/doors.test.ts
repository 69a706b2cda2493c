import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import superjson from "superjson";
import { errorStatus } from "../../server/errors.ts";
import { appRouter } from "../../server/trpc/router.ts";
import { createHarness, type Harness } from "../support/harness.ts";
import { encodeWire, mutateInput, seededRandom, type Ids, type Random } from "./mutate.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// Bounded and seeded: the same requests on every run (FUZZ_SEED picks another sequence when hunting), a few
// hundred in all, in-process through app.request. Every answer must be a well-formed 2xx/4xx, never a 5xx.
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const PER_CREDENTIAL = 3;

type Cred = { kind: string; headers: Record<string, string> };

let h: Harness;
let rest: { method: string; path: string; params: string[]; query: string[]; body: string[] | null }[];
// Paged reads whose input schema is not a plain object: the query fields they take.
const PAGED = ["limit", "cursor", "since", "until", "source", "tag", "q"];
const trpc = Object.entries((appRouter as any)._def.procedures as Record<string, { _def: { type: string; inputs: any[] } }>).map(
  ([path, p]) => {
    const shape = p._def.inputs[0]?.shape;
    return { path, type: p._def.type, fields: shape && Object.keys(shape).length ? Object.keys(shape) : p._def.inputs[0] ? PAGED : [] };
  },
);

beforeAll(async () => {
  h = await createHarness();
  const doc = (await (await h.request("/api/openapi.json")).json()) as any;
  rest = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops as Record<string, any>).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: (op.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name),
      query: (op.parameters ?? []).filter((p: any) => p.in === "query").map((p: any) => p.name),
      body: op.requestBody ? Object.keys(op.requestBody.content["application/json"].schema.properties ?? {}) : null,
    })),
  );
});
afterAll(() => h.close());

let n = 0;
/** Fresh principals of every kind for each route, so one route's logout-all or deactivation cannot blind the next. */
async function credentials(): Promise<{ creds: Cred[]; ids: Ids }> {
  const { users, tokens, keys } = h.core;
  const user = await users.create({ email: `fuzz-user-${++n}@example.com`, password: "correct horse battery" });
  const admin = await users.create({ email: `fuzz-admin-${n}@example.com`, password: "correct horse battery", role: "admin" });
  const read = await keys.create({ userId: user.id, role: "user" }, { name: "read" });
  const write = await keys.create({ userId: admin.id, role: "admin" }, { name: "write", scopes: ["articles:read", "articles:write"] });
  for (const k of [read, write]) await keys.adminUpdate(k.id, { rateLimit: 100_000 });
  const bearer = async (row: typeof user) => ({ authorization: `Bearer ${(await tokens.issue(row)).token}` });
  // Past every 15-minute failure window, so the login throttles of one route do not answer for the next.
  h.clock.advance(16 * 60_000);
  return {
    ids: { userId: user.id, adminId: admin.id, keyId: read.id },
    creds: [
      { kind: "none", headers: {} },
      { kind: "user JWT", headers: await bearer(user) },
      { kind: "admin JWT", headers: await bearer(admin) },
      { kind: "read key", headers: { "x-api-key": read.key } },
      { kind: "write key", headers: { "x-api-key": write.key } },
    ],
  };
}

const codes = new Set(Object.keys(errorStatus));
// Wording that belongs to a library or the runtime, not to the contract: it must never reach a client.
const INTERNAL = /call stack|RangeError|TypeError|transformation|prototype pollution|SQLITE|Failed query|No values to set/i;

/** Plain JSON of a generated value, as a REST client would send it. */
const toJson = (v: unknown) => encodeWire(v);

/** What a superjson client sends; superjson itself refuses to serialize `__proto__`/`constructor`, a hand-built client would not. */
function superjsonWire(input: unknown): string {
  try {
    return encodeWire(input, (v) => superjson.serialize(v));
  } catch {
    return `{"json":${toJson(input)}}`;
  }
}

function expectEnvelope(res: Response, text: string, what: string) {
  expect([what, res.status < 500]).toEqual([what, true]);
  const body = JSON.parse(text);
  if (res.status < 400) {
    expect([what, body.success, "data" in body]).toEqual([what, true, true]);
  } else {
    expect([what, body.success, typeof body.error, codes.has(body.code)]).toEqual([what, false, "string", true]);
    expect([what, errorStatus[body.code as keyof typeof errorStatus] as number]).toEqual([what, res.status]);
    expect([what, INTERNAL.test(text)]).toEqual([what, false]);
  }
}

function expectTrpcAnswer(res: Response, text: string, what: string) {
  expect([what, res.status < 500]).toEqual([what, true]);
  const body = JSON.parse(text);
  if (res.status < 400) {
    expect([what, "data" in (body.result ?? {})]).toEqual([what, true]);
    return;
  }
  const error = body.error?.json;
  expect([what, typeof error?.message, typeof error?.code, typeof error?.data?.code]).toEqual([what, "string", "number", "string"]);
  expect([what, error.data.httpStatus, error.data.stack ?? null]).toEqual([what, res.status, null]);
  expect([what, INTERNAL.test(text)]).toEqual([what, false]);
}

async function restCall(r: Random, route: (typeof rest)[number], cred: Cred, ids: Ids) {
  let path = route.path;
  for (const p of route.params) path = path.replace(`{${p}}`, encodeURIComponent(String(r.idLike(ids))));
  const qs = new URLSearchParams();
  for (const q of route.query) if (r.chance(0.6)) qs.set(q, String(r.scalar(ids)));
  if (r.chance(0.2)) qs.set(r.fieldName(), String(r.scalar(ids)));
  const headers: Record<string, string> = { ...cred.headers };
  let body: string | undefined;
  if (route.body || r.chance(0.1)) {
    headers["content-type"] = r.chance(0.9) ? "application/json" : r.pick(["text/plain", "application/x-www-form-urlencoded"]);
    body = r.chance(0.08) ? r.pick(["{", "[1,", "nul", '{"a":1}}', ""]) : toJson(mutateInput(r, route.body ?? [], ids));
  }
  const url = qs.size ? `${path}?${qs}` : path;
  return { what: `${route.method} ${url} as ${cred.kind} body=${body?.slice(0, 200)}`, res: await h.request(url, { method: route.method, headers, body }) };
}

async function trpcCall(r: Random, proc: (typeof trpc)[number], cred: Cred, ids: Ids) {
  const input = mutateInput(r, proc.fields, ids);
  const wire = r.chance(0.1) ? r.pick(["{", '{"json":', "[]", '"x"', "null"]) : superjsonWire(input);
  const headers: Record<string, string> = { ...cred.headers };
  const what = `${proc.type} ${proc.path} as ${cred.kind} input=${wire.slice(0, 200)}`;
  if (proc.type === "query") return { what, res: await h.request(`/trpc/${proc.path}?input=${encodeURIComponent(wire)}`, { headers }) };
  headers["content-type"] = "application/json";
  return { what, res: await h.request(`/trpc/${proc.path}`, { method: "POST", headers, body: wire }) };
}

describe("seeded fuzz of both doors", () => {
  test("every REST route, with each kind of credential and mutated input, answers a well-formed envelope, never 5xx", async () => {
    const r = seededRandom(SEED);
    let sent = 0;
    for (const route of rest) {
      const { creds, ids } = await credentials();
      for (const cred of creds) {
        for (let i = 0; i < PER_CREDENTIAL; i++, sent++) {
          const { what, res } = await restCall(r, route, cred, ids);
          expectEnvelope(res, await res.text(), what);
        }
      }
    }
    expect(sent).toBeGreaterThanOrEqual(150);
    expect(h.logs.filter((l) => JSON.parse(l).level === "error")).toEqual([]);
  });

  test("every tRPC procedure, with each kind of credential and mutated input, answers a well-formed tRPC result or error", async () => {
    const r = seededRandom(SEED + 1);
    let sent = 0;
    for (const proc of trpc) {
      const { creds, ids } = await credentials();
      for (const cred of creds) {
        for (let i = 0; i < PER_CREDENTIAL; i++, sent++) {
          const { what, res } = await trpcCall(r, proc, cred, ids);
          expectTrpcAnswer(res, await res.text(), what);
        }
      }
    }
    expect(sent).toBeGreaterThanOrEqual(150);
    expect(h.logs.filter((l) => JSON.parse(l).level === "error")).toEqual([]);
  });
});
