import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { trpc } from "../trpc.ts";
import { Empty, ErrorNote, Field, Spinner, when } from "../ui.tsx";
import { LoadMore } from "./LoadMore.tsx";

type Filters = { q: string; source: string; tag: string; since: string; until: string };
const none: Filters = { q: "", source: "", tag: "", since: "", until: "" };

/** The feed, newest first, by cursor; search and filters are applied when the form is submitted. */
export function Articles() {
  const [filters, setFilters] = useState<Filters>(none);
  const input = {
    limit: 20,
    q: filters.q || null,
    source: filters.source || null,
    tag: filters.tag || null,
    since: filters.since ? new Date(`${filters.since}T00:00:00`) : null,
    until: filters.until ? new Date(`${filters.until}T23:59:59`) : null,
  };
  const list = useInfiniteQuery(trpc.articles.list.infiniteQueryOptions(input, { getNextPageParam: (p) => p.nextCursor }));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setFilters(Object.fromEntries(Object.keys(none).map((k) => [k, String(f.get(k) ?? "").trim()])) as Filters);
  };

  return (
    <section aria-labelledby="articles-title">
      <h1 id="articles-title">Articles</h1>
      <form className="card filters" role="search" onSubmit={onSubmit} aria-label="Search articles">
        <Field label="Search" name="q" type="search" defaultValue={filters.q} />
        <Field label="Source" name="source" defaultValue={filters.source} />
        <Field label="Tag" name="tag" defaultValue={filters.tag} />
        <Field label="From" name="since" type="date" defaultValue={filters.since} />
        <Field label="To" name="until" type="date" defaultValue={filters.until} />
        <p className="row">
          <button type="submit" className="primary">
            Search
          </button>
          <button type="reset" onClick={() => setFilters(none)}>
            Clear
          </button>
        </p>
      </form>
      {list.isPending ? (
        <Spinner label="Loading articles" />
      ) : list.isError ? (
        <ErrorNote error={list.error} />
      ) : rows.length === 0 ? (
        <Empty>
          No article matches. {filters === none ? "The feed is empty: publish with an articles:write key, or run the demo seed." : "Loosen the filters."}
        </Empty>
      ) : (
        <ol className="feed">
          {rows.map((a) => (
            <li key={a.id}>
              <h2>
                <a href={`#/articles/${encodeURIComponent(a.id)}`}>{a.title}</a>
              </h2>
              <p className="meta">
                {a.source} · <time dateTime={a.publishedAt.toISOString()}>{when(a.publishedAt)}</time>
                {a.tags.length > 0 && <> · {a.tags.join(", ")}</>}
              </p>
              {a.summary && <p>{a.summary}</p>}
            </li>
          ))}
        </ol>
      )}
      <LoadMore query={list} what="articles" auto />
    </section>
  );
}
