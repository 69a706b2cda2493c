import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../logger.ts";

/** The configured JWT secret, or one generated on first start and kept (mode 0600) in the data directory. */
export function resolveJwtSecret(dataDir: string, configured: string | undefined, logger: Pick<Logger, "warn">): string {
  if (configured) return configured;
  const file = join(dataDir, "jwt-secret");
  if (existsSync(file)) {
    // Anyone who can read the secret can mint an admin's token: a copy restored with the wrong mode is fixed
    // (and said), rather than used as is or refused (refusing would take the server down over a fixable mode).
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      chmodSync(file, 0o600);
      logger.warn("jwt-secret was readable by others; its mode is now 0600", {
        file,
        was: mode.toString(8).padStart(4, "0"),
        action: "the secret may have been read: set a new one (delete the file and restart) to end every session",
      });
    }
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) return stored;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
