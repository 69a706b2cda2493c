import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cleanUp, startWithAdmin, type AdminServer } from "./admin-server.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// SIGTERM while requests are in flight: every request the server already received is answered, then it exits 0.

let s: AdminServer | undefined;
afterEach(() => cleanUp(s));

/** Opens a raw TCP connection, writes one request, and resolves with everything the server sent back. */
async function rawRequest(url: string, request: string) {
  const { hostname, port } = new URL(url);
  let received = "";
  let closed!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  const socket = await Bun.connect({
    hostname, port: Number(port),
    socket: { data: (_s, d) => void (received += d.toString()), close: () => closed(), error: () => closed() },
  });
  socket.write(request);
  return { answer: done.then(() => received), socket };
}

describe("SIGTERM drains", () => {
  test("requests written on raw sockets while a 500-article batch runs are all answered; exit 0", async () => {
    s = await startWithAdmin("drain");
    const { server, token } = s;
    const articles = Array.from({ length: 500 }, (_, i) => ({
      title: `Drain ${i}`, url: `https://drain.example.com/${i}`, source: "Drain", summary: "word ".repeat(100), publishedAt: "2026-11-01T00:00:00Z",
    }));
    const batch = fetch(`${server.url}/api/v1/articles/batch`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ articles }),
    });
    const raws = await Promise.all(Array.from({ length: 8 }, () =>
      rawRequest(server.url, "GET /api/health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")));
    server.proc.kill("SIGTERM");
    const answers = await Promise.all(raws.map((r) => r.answer));
    for (const a of answers) expect(a).toStartWith("HTTP/1.1 200");
    expect((await batch).status).toBe(200);
    expect(await server.proc.exited).toBe(0);
  });
});
