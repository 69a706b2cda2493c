// Calls that must not type-check: the test expects an error on each line marked "expect TSxxxx".
import { createArgusClient } from "@argus/client";

const argus = createArgusClient({ url: "http://localhost:3000" });
await argus.auth.noSuchProcedure.query(); // expect TS2339
await argus.keys.create.mutate({ name: 42 }); // expect TS2322
await argus.keys.revoke.mutate({ id: 7 }); // expect TS2322
await argus.auth.login.mutate({ email: "a@example.com" }); // expect TS2345
const email: number = (await argus.auth.me.query()).email; // expect TS2322
const used: string = (await argus.keys.get.query({ id: "k" })).quota!.used; // expect TS2322
export { email, used };
