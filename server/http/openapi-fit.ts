import type { OpenAPIHono } from "@hono/zod-openapi";

// What the generated document needs for code generators and linters, added in one place so route files stay
// about their routes: an operationId on every operation, `security: []` on public ones, the rate-limit headers on
// the routes that take API keys, Retry-After on every 429, and described tags.

export type OpenApiDoc = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;
type Operation = NonNullable<NonNullable<OpenApiDoc["paths"]>[string]["get"]>;
type Header = { description: string; schema: { type: "integer" | "string" } };

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

const rateLimitHeaders: Record<string, Header> = {
  "X-RateLimit-Limit": { description: "Requests the key may make a minute (the bucket's size).", schema: { type: "integer" } },
  "X-RateLimit-Remaining": { description: "Requests left in the bucket after this one.", schema: { type: "integer" } },
  "X-RateLimit-Reset": { description: "Unix time, in seconds, at which the bucket is full again.", schema: { type: "integer" } },
  RateLimit: { description: 'IETF draft form: `"default";r=<remaining>;t=<seconds until full>`.', schema: { type: "string" } },
  "RateLimit-Policy": { description: 'IETF draft form: `"default";q=<limit>;w=60`.', schema: { type: "string" } },
};
const retryAfter: Header = { description: "Seconds to wait before trying again.", schema: { type: "integer" } };

const tagDescriptions: Record<string, string> = {
  Auth: "Accounts and JWT sessions.",
  "API keys": "Your own API keys: create (shown once), list, read one, revoke, roll.",
  Admin: "Users and every key, for admins.",
  Articles: "The articles feed: read with an API key or a JWT; writes need the articles:write scope.",
  Operations: "Liveness for load balancers and operators.",
};

/** `GET /api/v1/articles/{id}` -> `getArticlesById`: stable, unique, and readable as a method name. */
export function operationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((s) => s && s !== "api" && !/^v\d+$/.test(s))
    .map((s) => (s.startsWith("{") ? `by-${s.slice(1, -1)}` : s))
    .flatMap((s) => s.split("-"));
  return method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** The generated document, completed for codegen; `doc` is not changed. */
export function fitForCodegen(doc: OpenApiDoc): OpenApiDoc {
  const paths: NonNullable<OpenApiDoc["paths"]> = {};
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    paths[path] = { ...item };
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      op.tags?.forEach((t) => tags.add(t));
      paths[path][method] = fitOperation(op, method, path);
    }
  }
  return {
    ...doc,
    tags: [...tags].map((name) => ({ name, description: tagDescriptions[name] ?? name })),
    paths,
    components: {
      ...doc.components,
      headers: { ...doc.components?.headers, ...rateLimitHeaders, "Retry-After": retryAfter },
    },
  };
}

function fitOperation(op: Operation, method: string, path: string): Operation {
  const security = op.security ?? [];
  const keyed = security.some((s) => "apiKey" in s);
  const responses = Object.fromEntries(
    Object.entries(op.responses ?? {}).map(([status, response]) => {
      if ("$ref" in response) return [status, response];
      const headers = { ...response.headers };
      if (keyed) for (const name of Object.keys(rateLimitHeaders)) headers[name] = ref(name);
      if (status === "429") headers["Retry-After"] = ref("Retry-After");
      return [status, Object.keys(headers).length ? { ...response, headers } : response];
    }),
  );
  return { ...op, operationId: op.operationId ?? operationId(method, path), security, responses };
}
