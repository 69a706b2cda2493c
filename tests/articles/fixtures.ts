import { articleBatchInput } from "../../server/core/article-schemas.ts";
import { createHarness } from "../support/harness.ts";

export const HOUR = 60 * 60 * 1000;
export const T0 = Date.UTC(2026, 9, 1, 12, 0, 0);

/** A valid article body; `n` makes the url (and so the article) distinct. */
export function article(n: number, over: Record<string, unknown> = {}) {
  return {
    title: `Article number ${n}`,
    url: `https://news.example.com/a/${n}`,
    source: "Reuters",
    publishedAt: new Date(T0 + n * HOUR).toISOString(),
    ...over,
  };
}

/** A harness with every kind of caller the article routes care about. */
export async function setup(overrides: Parameters<typeof createHarness>[0] = {}) {
  const h = await createHarness(overrides);
  const admin = await h.signUp("admin");
  const user = await h.signUp("user");
  const writeKey = (await h.createKey(admin.token, { name: "writer", scopes: ["articles:read", "articles:write"] })).key;
  const readKey = (await h.createKey(user.token, { name: "reader" })).key;
  const adminReadKey = (await h.createKey(admin.token, { name: "admin reader" })).key;
  return { h, admin, user, writeKey, readKey, adminReadKey };
}
export type Setup = Awaited<ReturnType<typeof setup>>;

/** Stores articles straight through core, for tests about reading them. */
export function store(s: Setup, bodies: Record<string, unknown>[]) {
  return s.h.core.articles.upsertMany(articleBatchInput.parse({ articles: bodies }).articles);
}

export const body = async (res: Response) => (await res.json()) as any;
