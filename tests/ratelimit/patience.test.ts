import { afterAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { TimeoutError, withPatience } from "../../server/core/ratelimit/patience.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

// A loopback echo server: a reply comes back over a real socket, the way Redis's does.
const echo = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (s, d) => void s.write(d) } });
afterAll(() => echo.stop(true));

/** Sends `msg` over a fresh connection; resolves with the echo (or never, when `answer` is false). */
async function ask(answer = true) {
  let got!: (v: string) => void;
  const reply = new Promise<string>((r) => (got = r));
  const socket = await Bun.connect({
    hostname: "127.0.0.1", port: echo.port, socket: { data: (_s, d) => got(d.toString()) },
  });
  if (answer) socket.write("pong");
  return { reply, close: () => socket.end() };
}

function busyWait(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("waiting for a reply with patience", () => {
  test("a reply that arrived while the event loop was blocked past the timeout is taken, not timed out", async () => {
    for (let i = 0; i < 5; i++) {
      const c = await ask();
      const waiting = withPatience(c.reply, 100, "echo");
      busyWait(300); // the echo lands in the socket now; the timer is due long before the loop reads it
      expect(await waiting).toBe("pong");
      c.close();
    }
  });

  test("a reply that never comes is a TimeoutError once the loop has been free for the whole wait", async () => {
    const c = await ask(false);
    const started = performance.now();
    const err = await withPatience(c.reply, 100, "echo").catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toBe("echo did not answer within 100 ms");
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    c.close();
  });

  test("a blocked loop delays the verdict on a missing reply but does not prevent it", async () => {
    const c = await ask(false);
    const waiting = withPatience(c.reply, 100, "echo").catch((e) => e);
    busyWait(300);
    expect(await waiting).toBeInstanceOf(TimeoutError);
    c.close();
  });
});
