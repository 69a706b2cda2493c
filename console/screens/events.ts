import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../trpc.ts";

export type AuditEvent = inferRouterOutputs<AppRouter>["admin"]["audit"]["items"][number];
export type AuditAction = AuditEvent["action"];

/** What each action means to a person; every action the server records has one (the type says so). */
export const ACTION_LABELS: Record<AuditAction, string> = {
  "user.register": "Signed up",
  "user.create": "Account created by an operator",
  "admin.bootstrap": "First admin created at start-up",
  "auth.login": "Signed in",
  "auth.login_failed": "Failed sign-in",
  "user.password_change": "Password changed",
  "auth.logout_all": "Logged out everywhere",
  "user.update": "Account changed by an admin",
  "key.create": "API key created",
  "key.revoke": "API key revoked",
  "key.revoke_all": "All API keys revoked",
  "key.roll": "API key rolled",
  "key.update": "API key changed by an admin",
  "key.delete": "API key deleted by an admin",
  "key.leak_reported": "API key reported as leaked and revoked",
  "article.delete": "Article deleted",
};

export const ACTIONS = Object.keys(ACTION_LABELS) as AuditAction[];

/** `changes` as short "field: value" text (`role: user → admin`); the server never puts a secret in it. */
export function describeChanges(changes: AuditEvent["changes"]): string {
  if (!changes) return "";
  const show = (v: unknown) => (v === null || v === undefined ? "none" : typeof v === "string" ? v : JSON.stringify(v));
  return Object.entries(changes)
    .map(([k, v]) =>
      v && typeof v === "object" && !Array.isArray(v) && "from" in v && "to" in v ? `${k}: ${show(v.from)} → ${show(v.to)}` : `${k}: ${show(v)}`,
    )
    .join(", ");
}

/** Who did it, in words: "you", the system, the CLI, someone anonymous, or a user id. */
export function describeActor(actor: string, me?: string): string {
  if (actor === me) return "you";
  if (actor === "cli") return "an operator (command line)";
  if (actor === "system") return "the server";
  if (actor === "anonymous") return "someone not signed in";
  return actor;
}
