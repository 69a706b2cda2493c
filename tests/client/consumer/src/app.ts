// A consumer's program, type-checked with tsc --strict (NodeNext and Bundler), compiled and run by Node, and run
// as TypeScript by Bun. It sees Argus only through the installed @argus/client package.
import { ArgusError, createArgusClient, type ArgusClient } from "@argus/client";

declare const process: { argv: string[] }; // no @types/node here: the package must not need it

const [url, email] = process.argv.slice(2) as [string, string];
const password = "correct horse battery";

const anon: ArgusClient = createArgusClient({ url });
const session = await anon.auth.register.mutate({ email, password });
const expiresAt: Date = session.expiresAt;

const user = createArgusClient({ url, token: session.token });
const key = await user.keys.create.mutate({ name: "consumer" });
const reader = createArgusClient({ url, apiKey: key.key });

const latest = await reader.articles.latest.query({ limit: 3 });
const titles: string[] = latest.map((a) => a.title);
const datesRevived = latest.every((a) => a.publishedAt instanceof Date) && expiresAt instanceof Date;

// One key read back by id: its quota says where the current period stands, resetAt revived as a Date.
const metered = await user.keys.create.mutate({ name: "metered", quota: { limit: 10, period: "day" } });
const { quota } = await user.keys.get.query({ id: metered.id });
const resetAt: Date | undefined = quota?.resetAt;

// Spend the key's bucket until the server refuses, then let the retry link wait out Retry-After.
let limited: ArgusError | undefined;
let calls = 0;
while (!limited && calls < 1_000) {
  calls++;
  limited = await reader.auth.me.query().then(() => undefined, (e: unknown) => (e instanceof ArgusError ? e : Promise.reject(e)));
}
const patient = createArgusClient({ url, apiKey: key.key, retry: { attempts: 5 } });
const me = await patient.auth.me.query();

console.log(JSON.stringify({
  email: me.email,
  keyPrefix: key.key.slice(0, 6),
  titles,
  datesRevived,
  quota: quota && { limit: quota.limit, used: quota.used, remaining: quota.remaining, resetRevived: resetAt instanceof Date },
  limited: limited && { code: limited.code, status: limited.status, retryAfter: limited.retryAfter, calls },
}));
