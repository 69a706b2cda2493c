import { parse, UsageError } from "./args.ts";
import { withCore } from "./context.ts";
import { emit } from "./output.ts";

/** `argus seed --demo`: demo content for trying the API; `--demo` is required so a seed is never an accident. */
export async function seedCommand(args: string[]) {
  const { values } = parse(args, { demo: { type: "boolean" } });
  if (!values.demo) throw new UsageError("seed needs --demo (the only seed there is)");
  // Loaded on demand: the demo data is dead weight for every other command.
  const { seedDemoArticles } = await import("../core/demo.ts");
  const result = await withCore((core) => seedDemoArticles(core.articles, core.deps.clock));
  emit(values.json, result, () => `demo articles: ${result.created} created, ${result.updated} already present (${result.total} total)`);
}
