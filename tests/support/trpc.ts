import { TRPCClientError } from "@trpc/client";

/** The tRPC error code a call ends with, or "OK". */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (!(e instanceof TRPCClientError)) throw e;
    return e.data?.code as string;
  }
}
