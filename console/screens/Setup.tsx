import { Frame } from "../Frame.tsx";
import { CopyButton } from "../ui.tsx";

/** First run: no admin exists yet, and only the host's shell can make one. */
export function Setup({ command, onDone, onSkip }: { command?: string; onDone: () => void; onSkip: () => void }) {
  const cmd = command ?? "argus users create --email you@example.com --admin";
  return (
    <Frame>
      <section className="card narrow">
        <h1>Create the first admin</h1>
        <p>
          This Argus has no administrator yet. On the machine that runs it, create one with the command below (use your own
          email). It asks for the password twice, without echoing it.
        </p>
        <pre className="command">
          <code>{cmd}</code>
        </pre>
        <p>
          <CopyButton text={cmd} label="Copy the command" />
        </p>
        <p className="hint">
          Scripts can pipe the password instead: add <code>--password-stdin</code>. Or start the server once with{" "}
          <code>ARGUS_ADMIN_EMAIL</code> and <code>ARGUS_ADMIN_PASSWORD</code> set.
        </p>
        <p className="row">
          <button type="button" className="primary" onClick={onDone}>
            I have created it: sign in
          </button>
          <button type="button" className="link" onClick={onSkip}>
            Sign in or register without an admin for now
          </button>
        </p>
      </section>
    </Frame>
  );
}
