import { rmSync } from "node:fs";
import { tempDir } from "../support/harness.ts";
import { startServerProcess, type ServerProcess } from "../support/process.ts";

export type AdminServer = { server: ServerProcess; dir: string; token: string; url: string };

/** A server process on a fresh data dir, with an admin made at boot (ARGUS_ADMIN_*) and that admin's JWT. */
export async function startWithAdmin(label: string): Promise<AdminServer> {
  const dir = tempDir();
  const admin = { email: `admin@${label}.example.com`, password: "admin password 1" };
  const server = await startServerProcess({ ARGUS_DATA_DIR: dir, ARGUS_ADMIN_EMAIL: admin.email, ARGUS_ADMIN_PASSWORD: admin.password });
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(admin),
  });
  return { server, dir, url: server.url, token: ((await login.json()) as any).data.token as string };
}

/** Kills what a test left running and removes its data dir. */
export async function cleanUp(s: AdminServer | undefined) {
  if (!s) return;
  if (s.server.proc.exitCode === null) s.server.proc.kill("SIGKILL");
  await s.server.proc.exited;
  rmSync(s.dir, { recursive: true, force: true });
}
