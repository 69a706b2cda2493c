import { bootCore } from "../boot.ts";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { serve } from "../serve.ts";
import { exitWithPrimary, isWorkerChild, runWorkers } from "../workers.ts";
import { parse, wholeNumber } from "./args.ts";

/** `argus serve`: flags override the environment, then the one config path validates both alike. */
export async function serveCommand(args: string[]) {
  const { values } = parse(args, { port: { type: "string" }, host: { type: "string" }, workers: { type: "string" } });
  const env = { ...process.env };
  if (values.port !== undefined) env.PORT = wholeNumber("port", values.port);
  if (values.host !== undefined) env.HOST = values.host;
  if (values.workers !== undefined) env.ARGUS_WORKERS = wholeNumber("workers", values.workers);
  const config = loadConfig(env);
  if (config.workers > 1 && !isWorkerChild()) return runWorkers(config, createLogger(config.logLevel));
  const core = await bootCore(config);
  const server = serve(core, config, { reusePort: isWorkerChild() });
  if (isWorkerChild()) exitWithPrimary(server.shutdown);
}
