import type { Principal } from "../auth/principal.ts";
import type { Core } from "../core/index.ts";

export type AppEnv = {
  Variables: {
    core: Core;
    principal: Principal | null;
    authenticated: boolean;
    requestId: string;
    /** Read with c.get("clientIp"): worked out on first use (http/frame.ts), so c.var does not hold it. */
    clientIp: string;
    /** A route pattern set by a handler the router cannot name (`/metrics`), for the access log and metrics. */
    route?: string;
    /** Why a tRPC call failed, noted by the tRPC door (REST failures are read from the caught error). */
    failure?: { code: string; reason: string };
  };
};
