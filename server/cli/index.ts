import pkg from "../../package.json" with { type: "json" };
import { ConfigError } from "../config.ts";
import { AppError } from "../errors.ts";
import { lookup, UsageError } from "./args.ts";
import { help } from "./help.ts";
import { printable } from "./output.ts";

type Command = (args: string[]) => Promise<void>;

// Loaded on use: `argus --version` or `argus config check` should not pay for the HTTP stack's imports.
const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./serve.ts")).serveCommand,
  migrate: async () => (await import("./migrate.ts")).migrateCommand,
  users: async () => (await import("./users.ts")).usersCommand,
  keys: async () => (await import("./keys.ts")).keysCommand,
  seed: async () => (await import("./seed.ts")).seedCommand,
  config: async () => (await import("./config.ts")).configCommand,
  backup: async () => (await import("./backup.ts")).backupCommand,
};

/** What the process should do when a command returns: exit with a code, or keep running (the server). */
export type Outcome = { exit: number } | { running: true };

/** Runs `argus <argv>`. Every failure becomes one line on stderr; the exit code says which kind. */
export async function runCli(argv: string[]): Promise<Outcome> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") {
    console.log(`argus ${pkg.version}`);
    return { exit: 0 };
  }
  if (first === "--help" || first === "-h" || first === "help") {
    console.log(help.argus);
    return { exit: 0 };
  }
  // No command, or flags only (`argus --port 8080`), means serve.
  const name = first === undefined || first.startsWith("-") ? "serve" : first;
  const args = name === first ? rest : argv;
  try {
    const load = lookup(commands, name, "command");
    if (args.includes("--help") || args.includes("-h")) {
      console.log(help[name]);
      return { exit: 0 };
    }
    await (await load())(args);
    return name === "serve" ? { running: true } : { exit: 0 };
  } catch (e) {
    return { exit: report(e, name) };
  }
}

function report(e: unknown, command: string): number {
  if (e instanceof UsageError) {
    const hint = Object.hasOwn(commands, command) ? `argus ${command} --help` : "argus --help";
    console.error(printable(`argus: ${e.message} (see '${hint}')`));
    return 2;
  }
  if (e instanceof ConfigError) {
    console.error(printable(e.message));
    return 1;
  }
  if (e instanceof AppError) {
    const field = (e.details as { field: string; message: string }[] | undefined)?.[0];
    console.error(printable(`argus: ${e.message}${field ? ` (${field.field} ${field.message})` : ""}`));
    return 1;
  }
  // Anything else is still one line; ARGUS_LOG_LEVEL=debug shows where it came from.
  // Messages can quote what was typed or stored (an argument, an email): shown, never acted on by the terminal.
  console.error(printable(`argus: ${e instanceof Error ? e.message : String(e)}`));
  if (process.env.ARGUS_LOG_LEVEL === "debug" && e instanceof Error) console.error(e.stack);
  return 1;
}
