// The runner's knobs (environment) and the fixed numbers every scenario shares. See bench/README.md.
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "../..");
export const BENCH_DIR = join(import.meta.dir, "..");
export const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1000;
export const WARMUP_MS = Number(process.env.BENCH_WARMUP_S ?? 1) * 1000;
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
/**
 * Key routes rotate over this many keys. Each key's own limit is RATE_LIMIT/min (refilled at ~1,667/s), so at
 * 64 keys a route can run at ~100k req/s before any bucket drains faster than it refills: none denies.
 */
export const KEYS = 64;
export const RATE_LIMIT = 100_000;
export const ADMIN = { email: "bench-admin@example.com", password: "bench admin password" };
export const USER = { email: "bench-user@example.com", password: "bench user password" };
