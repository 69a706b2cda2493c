import superjson from "superjson";
import { isShared } from "../core/shared-values.ts";
import { AppError } from "../errors.ts";

/** Deeper than any input Argus takes (a superjson envelope of a key or an article is about 4 levels). */
export const MAX_INPUT_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `max`; iterative, so hostile depth cannot overflow the stack. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

const invalid = (message: string) =>
  new AppError("BAD_REQUEST", "Validation failed", [{ field: "(body)", message }]);

/**
 * superjson both ways, with its input side guarded: superjson copies and walks what it is given recursively, so
 * a deeply nested input used to end in "Maximum call stack size exceeded", and a bad `meta` in superjson's own
 * wording. Both are now the generic validation failure (400), checked before superjson sees the input.
 */
export const transformer = {
  input: {
    serialize: (v: unknown) => superjson.serialize(v),
    deserialize: (v: unknown) => {
      if (nestsDeeperThan(v, MAX_INPUT_DEPTH)) throw invalid(`must not nest deeper than ${MAX_INPUT_DEPTH} levels`);
      try {
        return superjson.deserialize(v as Parameters<typeof superjson.deserialize>[0]);
      } catch {
        throw invalid("is not a valid superjson envelope");
      }
    },
  },
  output: {
    serialize: (v: unknown) => (isShared(v) ? serializedOnce(v) : superjson.serialize(v)),
    deserialize: (v: unknown) => superjson.deserialize(v as Parameters<typeof superjson.deserialize>[0]),
  },
};

// Shared outputs (the cached feed pages: frozen, the same objects until the database changes) are serialized
// once each: superjson walks every article and every Date otherwise, on every call.
const serialized = new WeakMap<object, ReturnType<typeof superjson.serialize>>();
function serializedOnce(v: object) {
  let out = serialized.get(v);
  if (!out) serialized.set(v, (out = Object.freeze(superjson.serialize(v))));
  return out;
}
