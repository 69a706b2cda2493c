// Builds the publishable client: `bun run build:client` (or `bun run build` here) writes dist/index.js (ESM) and
// dist/index.d.ts, one declaration file that carries AppRouter's type with no server source behind it.
import Module from "node:module";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "./package.json" with { type: "json" };

const dir = import.meta.dir;
const dist = join(dir, "dist");
const external = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)];
rmSync(dist, { recursive: true, force: true });

const js = await Bun.build({ entrypoints: [join(dir, "src/index.ts")], outdir: dist, target: "node", format: "esm", external });
if (!js.success) throw new AggregateError(js.logs, "client bundle failed");

// dts-bundle-generator loads `typescript` as a library; the repo's TypeScript 7 has none, so it gets the 5.x this
// package depends on for exactly this (a plain `require("typescript")` from the hoisted tool would find 7).
const ts5 = Module.createRequire(join(dir, "package.json")).resolve("typescript");
const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = mod._resolveFilename;
mod._resolveFilename = function (request, ...rest) {
  return request === "typescript" ? ts5 : resolve.call(this, request, ...rest);
};
const { generateDtsBundle } = await import("dts-bundle-generator");
const [dts] = generateDtsBundle([{ filePath: join(dir, "src/index.ts"), noCheck: true, output: { noBanner: true } }], {
  preferredConfigPath: join(dir, "tsconfig.json"),
});

// The declarations may name only what a consumer installs with the package; anything else (zod, drizzle, bun:*)
// means a server type leaked into AppRouter, and the package would not type-check outside this repo.
const imported = [...dts!.matchAll(/from ['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)].map((m) => m[1] ?? m[2]!);
const stray = [...new Set(imported)].filter((name) => !external.some((dep) => name === dep || name.startsWith(`${dep}/`)));
if (stray.length) throw new Error(`dist/index.d.ts imports ${stray.join(", ")}: narrow what AppRouter's type exposes`);
writeFileSync(join(dist, "index.d.ts"), dts!);

console.log(`built ${pkg.name}@${pkg.version}: dist/index.js, dist/index.d.ts (${dts!.split("\n").length} lines)`);
