// `bun run release [--targets a,b] [--outdir dist/release]`: cross-compiled `argus` binaries and a SHA256SUMS file.
// Each foreign target's Bun runtime is fetched from the npm registry once (~45 MB), then cached by Bun.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import { buildBinary } from "./build.ts";

export const TARGETS = ["bun-linux-x64", "bun-linux-arm64", "bun-darwin-arm64", "bun-windows-x64"] as const;

const root = join(import.meta.dir, "..");
const { values } = parseArgs({
  options: { targets: { type: "string", default: TARGETS.join(",") }, outdir: { type: "string", default: join(root, "dist/release") } },
});
const targets = values.targets.split(",").map((t) => t.trim());
const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
if (unknown.length) {
  console.error(`unknown target ${unknown.join(", ")}; known: ${TARGETS.join(", ")}`);
  process.exit(2);
}

rmSync(values.outdir, { recursive: true, force: true });
mkdirSync(values.outdir, { recursive: true });
const sums: string[] = [];
for (const target of targets) {
  // argus-0.1.0-linux-x64, argus-0.1.0-windows-x64.exe
  const name = `argus-${pkg.version}-${target.replace(/^bun-/, "")}${target.includes("windows") ? ".exe" : ""}`;
  const outfile = join(values.outdir, name);
  const started = performance.now();
  await buildBinary({ outfile, target: target as Bun.Build.CompileTarget });
  const sha = new Bun.CryptoHasher("sha256").update(readFileSync(outfile)).digest("hex");
  sums.push(`${sha}  ${basename(outfile)}`); // the format `sha256sum -c` reads
  console.log(`${name}  ${Math.round(performance.now() - started)} ms`);
}
writeFileSync(join(values.outdir, "SHA256SUMS"), sums.join("\n") + "\n");
console.log(`wrote ${targets.length} binaries and SHA256SUMS to ${values.outdir}`);
