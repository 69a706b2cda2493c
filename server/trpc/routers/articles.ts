import { articleBatchInput, articleInput, articleListQuery, latestQuery } from "../../core/article-schemas.ts";
import { idParam } from "../../core/schemas.ts";
import { page, router, scopedProcedure } from "../init.ts";

const read = scopedProcedure("articles:read");
const write = scopedProcedure("articles:write");

export const articlesRouter = router({
  // prefault: calling with no input at all still gets the defaults (limit 20).
  latest: read.input(latestQuery.prefault({})).query(({ ctx, input }) => ctx.core.articles.latest(input.limit)),
  list: read
    .input(articleListQuery.prefault({}))
    .query(({ ctx, input }) => page(ctx, input, (q) => ctx.core.articles.list(q))),
  byId: read.input(idParam).query(({ ctx, input }) => ctx.core.articles.byId(input.id)),
  upsert: write.input(articleInput).mutation(({ ctx, input }) => ctx.core.articles.upsert(input)),
  upsertMany: write.input(articleBatchInput).mutation(({ ctx, input }) => ctx.core.articles.upsertMany(input.articles)),
  delete: write.input(idParam).mutation(async ({ ctx, input }) => {
    await ctx.core.articles.remove(ctx.principal, input.id);
    return { success: true as const };
  }),
});
