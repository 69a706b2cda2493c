import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "./api.ts";
import { statusOf } from "./errors.ts";
import { Shell } from "./Shell.tsx";
import { SignIn } from "./screens/SignIn.tsx";
import { Setup } from "./screens/Setup.tsx";
import { trpc } from "./trpc.ts";
import { ErrorNote, Spinner } from "./ui.tsx";
import { Frame } from "./Frame.tsx";

/** First run, then signed out, then the console: decided by the public status and who the cookie says we are. */
export function App() {
  const status = useQuery({ queryKey: ["status"], queryFn: api.status });
  const me = useQuery({ ...trpc.auth.me.queryOptions(), retry: false });
  const [skipSetup, setSkipSetup] = useState(false);

  if (status.isPending || me.isPending) {
    return (
      <Frame>
        <Spinner label="Loading the console" />
      </Frame>
    );
  }
  if (status.isError) {
    return (
      <Frame>
        <ErrorNote error={status.error} />
      </Frame>
    );
  }
  if (status.data.setupRequired && !me.data && !skipSetup) {
    return <Setup command={status.data.setupCommand} onDone={() => status.refetch()} onSkip={() => setSkipSetup(true)} />;
  }
  if (me.isError && statusOf(me.error) !== 401) {
    return (
      <Frame>
        <ErrorNote error={me.error} />
      </Frame>
    );
  }
  if (!me.data) return <SignIn registrationOpen={status.data.registrationOpen} />;
  return <Shell user={me.data} />;
}
