import { relative } from "node:path";

/**
 * How the person reading a hint runs this same program: the compiled binary by its path, the source tree as
 * `bun server/main.ts`, so a printed command can be pasted as it is.
 */
export function selfCommand(): string {
  if (Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN")) return process.execPath;
  const main = relative(process.cwd(), Bun.main) || Bun.main;
  return `bun ${main.startsWith("..") ? Bun.main : main}`;
}
