import { bootCore } from "../server/boot.ts";
import { ConfigError, loadConfig } from "../server/config.ts";
import { seedDemoArticles } from "../server/core/demo.ts";

// Fills the configured database (ARGUS_DATA_DIR) with demo articles; safe to run again.
try {
  const core = await bootCore(loadConfig());
  try {
    const { total, created, updated } = seedDemoArticles(core.articles, core.deps.clock);
    console.log(`Seeded ${total} articles (created ${created}, updated ${updated})`);
  } finally {
    await core.close();
  }
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}
