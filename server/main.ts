import { runCli } from "./cli/index.ts";

// `bun run start` (no arguments) serves; everything else is a CLI command. Commands exit here, the server keeps
// the process alive until its own SIGTERM/SIGINT handling exits.
const outcome = await runCli(process.argv.slice(2));
if ("exit" in outcome) process.exit(outcome.exit);
