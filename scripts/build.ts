// Builds the single-file `argus` binary: `bun scripts/build.ts [--outfile dist/argus]`.
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dir, "..");
const { values } = parseArgs({ options: { outfile: { type: "string", default: join(root, "dist/argus") } } });

// Migrations travel as assets at their source paths ("[dir]/[name].[ext]" under root), so inside the binary they
// sit at /$bunfs/root/db/migrations — the folder db/client.ts hands to drizzle's migrator. New migrations are
// picked up by the glob; nothing is generated or committed.
const migrations = [...new Bun.Glob("db/migrations/*.sql").scanSync(root), "db/migrations/meta/_journal.json"];

// Database threads are Workers started from their own module; the binary must carry it as an entrypoint.
const workers = ["server/db-thread/worker.ts"];

const started = performance.now();
const result = await Bun.build({
  entrypoints: [join(root, "server/main.ts"), ...workers.map((w) => join(root, w)), ...migrations.map((m) => join(root, m))],
  root,
  // "file" embeds them byte for byte; source that imports JSON says `with { type: "json" }`, which wins over this.
  loader: { ".sql": "file", ".json": "file" },
  naming: { asset: "[dir]/[name].[ext]" },
  compile: { outfile: values.outfile },
  minify: true,
  // The console's bundle (console/index.html, imported by server/serve.ts) is built here too: React's production
  // build, not its development one (~60% larger, with dev-only checks). Nothing in server/ reads NODE_ENV.
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  // Precompiled bytecode cuts cold start to the first /api/health from ~125 ms to ~75 ms here, for ~3.5 MB more.
  bytecode: true,
  format: "esm",
});

if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const binary = Bun.file(values.outfile);
const mb = ((await binary.size) / 1024 / 1024).toFixed(1);
console.log(
  `built ${values.outfile} (${mb} MB, ${migrations.length - 1} migrations embedded) ` +
    `in ${Math.round(performance.now() - started)} ms`,
);
