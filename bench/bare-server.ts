// The baseline: a bare Bun.serve answering a small JSON body (the shape of Argus's /api/health), nothing else.
// Every throughput scenario reports its routes as a ratio to this one, measured in the same run.
// PORT=0 lets the kernel pick; the chosen port is printed as `BENCH_READY <port> <pid>` like bench/server.ts.
const body = JSON.stringify({ success: true, data: { status: "ok" } });
const server = Bun.serve({
  hostname: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch: () => new Response(body, { headers: { "content-type": "application/json" } }),
});
console.log(`BENCH_READY ${server.port} ${process.pid}`);
