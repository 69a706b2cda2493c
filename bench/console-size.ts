// The console's initial download as a browser gets it from `/`: `bun bench/console-size.ts`.
// Serves console/index.html exactly as server/serve.ts does (Bun's HTML import, development: false), then
// fetches the page and every script and stylesheet it names, and reports raw and gzip sizes.
import index from "../console/index.html";

export async function consoleSize() {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, routes: { "/": index }, fetch: () => new Response(null, { status: 404 }) });
  try {
    const html = await (await fetch(server.url)).text();
    const assets = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"/g)].map((m) => m[1]!);
    const files = await Promise.all(
      assets.map(async (path) => {
        const bytes = new Uint8Array(await (await fetch(new URL(path, server.url))).arrayBuffer());
        return { path, raw: bytes.length, gzip: Bun.gzipSync(bytes, { level: 9 }).length };
      }),
    );
    const js = files.filter((f) => f.path.endsWith(".js"));
    return { files, jsRaw: js.reduce((n, f) => n + f.raw, 0), jsGzip: js.reduce((n, f) => n + f.gzip, 0) };
  } finally {
    server.stop(true);
  }
}

if (import.meta.main) {
  const { files, jsRaw, jsGzip } = await consoleSize();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  for (const f of files) console.log(`${f.path.padEnd(28)} ${kb(f.raw).padStart(10)} raw ${kb(f.gzip).padStart(10)} gzip`);
  console.log(`initial JS: ${kb(jsRaw)} raw, ${kb(jsGzip)} gzipped (budget 250 KB gzipped)`);
}
