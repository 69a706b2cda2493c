import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { FilterForm } from "../Filters.tsx";
import { byCursor, PagedList } from "../PagedList.tsx";
import { trpc } from "../trpc.ts";
import { Field, when } from "../ui.tsx";

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
  const list = useInfiniteQuery(trpc.articles.list.infiniteQueryOptions(input, byCursor));
  const empty = `No article matches. ${filters === none ? "The feed is empty: publish with an articles:write key, or run the demo seed." : "Loosen the filters."}`;

  return (
    <section aria-labelledby="articles-title">
      <h1 id="articles-title">Articles</h1>
      <FilterForm label="Search articles" submit="Search" none={none} onApply={setFilters}>
        <Field label="Search" name="q" type="search" defaultValue={filters.q} />
        <Field label="Source" name="source" defaultValue={filters.source} />
        <Field label="Tag" name="tag" defaultValue={filters.tag} />
        <Field label="From" name="since" type="date" defaultValue={filters.since} />
        <Field label="To" name="until" type="date" defaultValue={filters.until} />
      </FilterForm>
      <PagedList query={list} what="articles" loading="Loading articles" empty={empty} auto>
        {(rows) => (
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
      </PagedList>
    </section>
  );
}
