const KEY_SHAPED = /argus_/i;
const USABLE = /^[\w\-=]{1,255}$/;

/**
 * Request ids: a caller's own `X-Request-Id` is kept (word characters, `-`, `=`, at most 255: for tracing through a
 * proxy), except one that holds an API key, which would be echoed and logged. Otherwise `<prefix>-<n>`: a random
 * per-process prefix (so ids from workers and restarts do not collide) and a counter, which costs a string
 * concatenation where a UUID per request cost a call into the random generator.
 */
export function createRequestIds(): (incoming: string | undefined) => string {
  const prefix = Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex");
  let n = 0;
  return (incoming) => (incoming && USABLE.test(incoming) && !KEY_SHAPED.test(incoming) ? incoming : `${prefix}-${(++n).toString(36)}`);
}
