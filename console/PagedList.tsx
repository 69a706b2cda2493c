import { useEffect, useRef, type ReactNode } from "react";
import { Empty, ErrorNote, Spinner } from "./ui.tsx";

/** Every paged procedure answers `{ items, nextCursor }`: how useInfiniteQuery finds the next page. */
export const byCursor = { getNextPageParam: (page: { nextCursor: string | null }) => page.nextCursor };

type Paged = {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  error: unknown;
  fetchNextPage: () => unknown;
};

type Pages<T> = Paged & { data: { pages: { items: T[] }[] } | undefined; isPending: boolean; isError: boolean };

/**
 * A list read page by page. Every list screen shows the same states in the same words (a spinner for the first
 * page, the API's error, the empty note), so only the rows are the screen's own; "Load more" follows them.
 */
export function PagedList<T>(props: {
  query: Pages<T>;
  what: string;
  loading: string;
  empty: ReactNode;
  auto?: boolean;
  children: (rows: T[]) => ReactNode;
}) {
  const { query } = props;
  const rows = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      {query.isPending ? (
        <Spinner label={props.loading} />
      ) : query.isError ? (
        <ErrorNote error={query.error} />
      ) : rows.length === 0 ? (
        <Empty>{props.empty}</Empty>
      ) : (
        props.children(rows)
      )}
      <LoadMore query={query} what={props.what} auto={props.auto} />
    </>
  );
}

/**
 * "Load more" by cursor: a button (keyboard- and screen-reader-friendly), with a busy state and its error. With
 * `auto` (the feed), the next page also loads by itself as the button scrolls near the viewport: infinite scroll,
 * with the button still there for the keyboard. A failed page stops it until the button is used.
 */
function LoadMore({ query, what, auto = false }: { query: Paged; what: string; auto?: boolean }) {
  const more = useRef<HTMLParagraphElement>(null);
  const { hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage } = query;
  useEffect(() => {
    const el = more.current;
    if (!auto || !el || !hasNextPage || isFetchingNextPage || isFetchNextPageError) return;
    // A new observer after each page: if the button is still in view (a tall screen), the next page follows.
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        fetchNextPage();
      }
    }, { rootMargin: "300px 0px" });
    observer.observe(el);
    return () => observer.disconnect();
  }, [auto, hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage]);
  return (
    <>
      {query.isFetchNextPageError && <ErrorNote error={query.error} />}
      {query.hasNextPage && (
        <p className="more" ref={more}>
          <button type="button" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage} aria-busy={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? `Loading more ${what}…` : `Load more ${what}`}
          </button>
        </p>
      )}
    </>
  );
}
