import type { Database } from "bun:sqlite";

const WRITE = /^\s*(?:insert|update|delete|replace)\b/i;
const RUNNERS = ["run", "all", "get", "values"] as const;

/**
 * Times every write statement prepared on this connection from now on. Drizzle prepares each query through
 * `Database.prepare`, so wrapping it here sees every write core makes without touching core. Reads are not
 * wrapped and cost nothing extra.
 */
export function timeWrites(sqlite: Database, observe: (seconds: number) => void) {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((sql: string, ...rest: unknown[]) => {
    const stmt = (prepare as (...a: unknown[]) => any)(sql, ...rest);
    if (!WRITE.test(sql)) return stmt;
    for (const name of RUNNERS) {
      const run = stmt[name].bind(stmt);
      stmt[name] = (...args: unknown[]) => {
        const started = performance.now();
        try {
          return run(...args);
        } finally {
          observe((performance.now() - started) / 1000);
        }
      };
    }
    return stmt;
  }) as Database["prepare"];
}
