import pkg from "../../package.json" with { type: "json" };
import { ConfigError } from "../config.ts";
import { AppError } from "../errors.ts";
import { InvalidInput, lookup, UsageError } from "./args.ts";
import { help } from "./help.ts";
import { printable } from "./output.ts";
import { commit } from "./version.ts";

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
  audit: async () => (await import("./audit.ts")).auditCommand,
  usage: async () => (await import("./usage.ts")).usageCommand,
};

/** What the process should do when a command returns: exit with a code, or keep running (the server). */
export type Outcome = { exit: number } | { running: true };

/** Runs `argus <argv>`. Every failure becomes one line on stderr; the exit code says which kind. */
export async function runCli(argv: string[]): Promise<Outcome> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") {
    console.log(`argus ${pkg.version} (commit ${commit()})`);
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
    const failure = describe(e, name);
    // With --json a script gets the failure as JSON too (on stderr, like the line it replaces).
    // Messages can quote what was typed or stored (an argument, an email): shown, never acted on by the terminal
    // (JSON.stringify escapes control characters itself).
    console.error(argv.includes("--json") ? JSON.stringify({ success: false, error: failure.message, code: failure.code }) : printable(failure.line));
    if (process.env.ARGUS_LOG_LEVEL === "debug" && failure.code === "ERROR" && e instanceof Error) console.error(e.stack);
    return { exit: failure.exit };
  }
}

type Failure = { exit: number; code: string; message: string; line: string };

/** One failure as its exit status, a machine code, and the one line a person reads. */
function describe(e: unknown, command: string): Failure {
  if (e instanceof UsageError) {
    const hint = Object.hasOwn(commands, command) ? `argus ${command} --help` : "argus --help";
    return { exit: 2, code: "USAGE", message: e.message, line: `argus: ${e.message} (see '${hint}')` };
  }
  if (e instanceof ConfigError) return { exit: 1, code: "CONFIG", message: e.message, line: e.message };
  if (e instanceof AppError) {
    const field = (e.details as { field: string; message: string }[] | undefined)?.[0];
    const message = `${e.message}${field ? ` (${field.field} ${field.message})` : ""}`;
    return { exit: 1, code: e.code, message, line: `argus: ${message}` };
  }
  const message = e instanceof Error ? e.message : String(e);
  // Anything else is still one line; ARGUS_LOG_LEVEL=debug shows where it came from.
  return { exit: 1, code: e instanceof InvalidInput ? "INVALID_INPUT" : "ERROR", message, line: `argus: ${message}` };
}
