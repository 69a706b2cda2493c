import { describe } from "bun:test";
import { existsSync } from "node:fs";

/**
 * A suite that needs a system tool the quick start does not install (chromium, jq, node). CI installs them
 * (.ci/run) and always runs the suite; elsewhere `bun test` skips it with a note, as it does the Redis suites.
 */
export function needs(tool: string, present: boolean, install: string) {
  const skip = !present && !process.env.CI;
  if (skip) console.warn(`${tool} is not installed: skipping the suites that need it (${install})`);
  return { skip, describe: skip ? describe.skip : describe };
}

export const chromium = () => needs("chromium", existsSync("/usr/bin/chromium"), "apt-get install -y chromium");
