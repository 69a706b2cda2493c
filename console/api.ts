import { ApiError } from "./errors.ts";

// The few REST calls tRPC does not carry: the ones that set or clear the HttpOnly session cookie.
export type SessionUser = { id: string; email: string; name: string | null; role: "user" | "admin"; isActive: boolean };
export type Status = { setupRequired: boolean; registrationOpen: boolean; setupCommand?: string };

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("The server could not be reached. Check the connection and try again.", 0, "NETWORK");
  }
  const json = (await res.json().catch(() => null)) as
    | { success: true; data: T }
    | { success: false; error: string; code: string; retryAfter?: number; details?: ApiError["details"] }
    | null;
  if (!json) throw new ApiError(`The server answered ${res.status} without a readable body.`, res.status, "INTERNAL");
  if (!json.success) throw new ApiError(json.error, res.status, json.code, json.retryAfter, json.details);
  return json.data;
}

export const api = {
  status: () => call<Status>("GET", "/api/auth/status"),
  login: (input: { email: string; password: string }) =>
    call<{ user: SessionUser }>("POST", "/api/auth/session", input),
  register: (input: { email: string; password: string; name?: string }) =>
    call<{ user: SessionUser }>("POST", "/api/auth/session/register", input),
  logout: () => call<null>("DELETE", "/api/auth/session"),
  logoutAll: (revokeKeys: boolean) => call<null>("POST", "/api/auth/logout-all", revokeKeys ? { revokeKeys } : undefined),
  changePassword: (input: { currentPassword: string; newPassword: string; revokeKeys: boolean }) =>
    call<unknown>("PUT", "/api/auth/password", input),
};
