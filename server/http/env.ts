import type { Principal } from "../auth/principal.ts";
import type { Core } from "../core/index.ts";

export type AppEnv = {
  Variables: {
    core: Core;
    principal: Principal | null;
    authenticated: boolean;
    requestId: string;
    clientIp: string;
  };
};
