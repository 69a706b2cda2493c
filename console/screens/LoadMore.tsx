import { ErrorNote } from "../ui.tsx";

type Paged = {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  error: unknown;
  fetchNextPage: () => unknown;
};

/** "Load more" by cursor: a button (keyboard- and screen-reader-friendly), with a busy state and its error. */
export function LoadMore({ query, what }: { query: Paged; what: string }) {
  return (
    <>
      {query.isFetchNextPageError && <ErrorNote error={query.error} />}
      {query.hasNextPage && (
        <p className="more">
          <button type="button" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage} aria-busy={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? `Loading more ${what}…` : `Load more ${what}`}
          </button>
        </p>
      )}
    </>
  );
}
