import { UsageError } from "./args.ts";

/**
 * The new account's password: all of stdin with `--password-stdin` (so it never lands in argv, shell history or
 * `ps`), otherwise typed twice at a terminal with echo off. Anything else is refused rather than guessed.
 */
export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return (await Bun.stdin.text()).replace(/\r?\n$/, "");
  if (!process.stdin.isTTY) {
    throw new UsageError("no password: pass --password-stdin, or run on a terminal to be prompted");
  }
  const first = await prompt("Password: ");
  const again = await prompt("Repeat password: ");
  if (first !== again) throw new Error("passwords do not match");
  return first;
}

/** Raw mode is what turns echo off; it also swallows Ctrl-C, so that is handled here as a cancel. */
function prompt(label: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the label shows: anything typed or pasted the moment the prompt appears stays hidden.
  stdin.setRawMode(true);
  process.stderr.write(label);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003" || (ch === "\u0004" && value === "")) return finish(new Error("cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
