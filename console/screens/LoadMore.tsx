import { useEffect, useRef } from "react";
import { ErrorNote } from "../ui.tsx";

type Paged = {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  error: unknown;
  fetchNextPage: () => unknown;
};

/**
 * "Load more" by cursor: a button (keyboard- and screen-reader-friendly), with a busy state and its error. With
 * `auto` (the feed), the next page also loads by itself as the button scrolls near the viewport: infinite scroll,
 * with the button still there for the keyboard. A failed page stops it until the button is used.
 */
export function LoadMore({ query, what, auto = false }: { query: Paged; what: string; auto?: boolean }) {
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
