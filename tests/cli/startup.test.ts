import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import { dataDirFixture, exec, repo, baseEnv, startServer } from "./run.ts";

setDefaultTimeout(60_000); // per file: bun applies a preload's default to the first file only

const data = dataDirFixture();
afterAll(data.remove);

/** The server's JSON log lines with this message. */
const lines = (log: string, msg: string) =>
  log.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((l) => l.msg === msg);

describe("argus serve: the start-up log points to the next step", () => {
  test("the start line names the docs URL, the data dir and open registration; with no admin, the command to make one", async () => {
    const server = await startServer(data.dir);
    await server.waitForLog("no admin yet");
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    const log = await server.logs();
    const [start] = lines(log, "argus listening");
    expect(start).toMatchObject({ url: `${server.url}/`, docs: `${server.url}/api/docs`, dataDir: resolve(data.dir), registration: "open" });
    const [hint] = lines(log, "no admin yet");
    expect(hint.command).toBe("bun server/main.ts users create --email you@example.com --admin");

    // The command works as printed (its password from stdin here, instead of the prompt a terminal gets).
    const made = await exec([...hint.command.split(" "), "--password-stdin"], {
      cwd: repo,
      env: baseEnv({ ARGUS_DATA_DIR: data.dir }),
      stdin: "correct horse battery\n",
    });
    expect(made.code).toBe(0);

    const again = await startServer(data.dir);
    expect((await fetch(`${again.url}/api/health`)).status).toBe(200); // up and running, its signal handlers too
    expect(await again.stop()).toBe(0);
    const after = await again.logs();
    expect(lines(after, "argus listening")).toHaveLength(1);
    expect(lines(after, "no admin yet")).toEqual([]);
  }, 120_000);
});
