/** Set by scripts/build.ts (Bun's `define`) for the binary; absent when running from source. */
declare const ARGUS_COMMIT: string | undefined;

/** The commit this build came from: baked into the binary, else asked of git, else "unknown". */
export function commit(): string {
  if (typeof ARGUS_COMMIT === "string") return ARGUS_COMMIT;
  const git = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: import.meta.dir, stdout: "pipe", stderr: "ignore" });
  return git.success ? git.stdout.toString().trim() : "unknown";
}
