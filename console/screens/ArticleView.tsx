import { useMutation, useQuery } from "@tanstack/react-query";
import { go } from "../route.ts";
import { queryClient, trpc } from "../trpc.ts";
import { ConfirmButton, ErrorNote, Spinner, when } from "../ui.tsx";

/** One article; an admin may delete it. Links leave the console only when the person follows them. */
export function ArticleView({ id, admin }: { id: string; admin: boolean }) {
  const article = useQuery(trpc.articles.byId.queryOptions({ id }));
  const remove = useMutation(
    trpc.articles.delete.mutationOptions({
      onSuccess: () => {
        // Drop the cached feed rather than show the deleted article until a refetch lands.
        queryClient.removeQueries({ queryKey: trpc.articles.pathKey() });
        go("articles");
      },
    }),
  );
  if (article.isPending) return <Spinner label="Loading the article" />;
  if (article.isError) {
    return (
      <section>
        <h1>Article</h1>
        <ErrorNote error={article.error} />
        <p>
          <a href="#/articles">Back to the feed</a>
        </p>
      </section>
    );
  }
  const a = article.data;
  return (
    <article aria-labelledby="article-title">
      <p>
        <a href="#/articles">← Back to the feed</a>
      </p>
      <h1 id="article-title">{a.title}</h1>
      <p className="meta">
        {a.source}
        {a.author && <> · {a.author}</>} · <time dateTime={a.publishedAt.toISOString()}>{when(a.publishedAt)}</time>
        {a.tags.length > 0 && <> · {a.tags.join(", ")}</>}
      </p>
      {a.summary && <p className="lead">{a.summary}</p>}
      {a.content && <div className="content">{a.content}</div>}
      <p>
        <a href={a.url} rel="noopener noreferrer" target="_blank">
          Read at the source<span className="visually-hidden"> (opens in a new tab)</span>
        </a>
      </p>
      {admin && (
        <>
          <ErrorNote error={remove.error} />
          <ConfirmButton label="Delete article" question="Delete this article for everyone?" confirmLabel="Yes, delete" busy={remove.isPending} onConfirm={() => remove.mutate({ id })} />
        </>
      )}
    </article>
  );
}
