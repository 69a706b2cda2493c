import { setDefaultTimeout } from "bun:test";

// Several suites spawn real processes (servers, the CLI, the binary, redis-server); on a loaded 2-core CI box
// those take seconds, so the per-test default is raised from bun's 5 s. No test asserts on time.
setDefaultTimeout(60_000);
// Bun applies this to the first test file only, so every test file also calls setDefaultTimeout(60_000) itself.
