import type { Core } from "../core/index.ts";
import { revokeInput, rollInput } from "../core/key-schemas.ts";
import { createKeyInput, idParam, type KeyRecord } from "../core/schemas.ts";
import { notFound } from "../errors.ts";
import { InvalidValue, lookup, parse, required, validate, wholeNumber } from "./args.ts";
import { withCore } from "./context.ts";
import { emit, printable, table, when } from "./output.ts";
import { keyUsageCommand } from "./usage.ts";

const ownerByEmail = (core: Core, email: string) => {
  const row = core.users.findByEmail(email);
  if (!row) throw notFound(`no user with email ${email.trim().toLowerCase()}`);
  return row;
};

function expiry(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new InvalidValue(`--expires must be an ISO 8601 date, got '${value}'`);
  return at;
}

const subcommands: Record<string, (args: string[]) => Promise<void>> = {
  async create(args) {
    const { values } = parse(args, {
      email: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string" },
      expires: { type: "string" },
    });
    const email = required(values.email, "email");
    const input = validate(
      createKeyInput,
      {
        name: required(values.name, "name"),
        scopes: values.scopes?.split(",").map((s) => s.trim()).filter(Boolean),
        expiresAt: expiry(values.expires),
      },
      (f) => `--${f === "expiresAt" ? "expires" : f}`,
    );
    // Same rules as POST /api/keys: the owner's role decides which scopes are allowed.
    const created = await withCore((core) => {
      const owner = ownerByEmail(core, email);
      return core.keys.create({ userId: owner.id, role: owner.role }, input);
    });
    if (values.json) return emit(true, created, () => "");
    // The key alone on stdout so `KEY=$(argus keys create ...)` works; the note goes to stderr.
    console.error(printable(`created API key "${created.name}" (id ${created.id}) for ${email}; it is shown only this once:`));
    console.log(created.key);
  },

  async list(args) {
    const { values } = parse(args, { email: { type: "string" }, "include-revoked": { type: "boolean" } });
    const includeRevoked = values["include-revoked"] ?? false;
    const email = required(values.email, "email");
    const keys: KeyRecord[] = await withCore((core) => {
      const owner = ownerByEmail(core, email);
      const all: KeyRecord[] = [];
      let cursor: string | null = null;
      do {
        const page = core.keys.list(owner.id, { limit: 100, cursor, includeRevoked });
        all.push(...page.items);
        cursor = page.meta.nextCursor;
      } while (cursor);
      return all;
    });
    emit(values.json, keys, () =>
      table(
        ["ID", "NAME", "KEY", "SCOPES", "ACTIVE", "EXPIRES", "LAST USED", "CREATED"],
        keys.map((k) => [
          k.id, k.name, `${k.keyPrefix}…${k.lastFour}`, k.scopes.join(","),
          k.revokedAt ? `revoked${k.revokedReason ? ` (${k.revokedReason})` : ""}` : k.isActive ? "yes" : "no",
          when(k.expiresAt), when(k.lastUsedAt), when(k.createdAt),
        ]),
        `no API keys for ${email}`,
      ),
    );
  },

  async revoke(args) {
    const { values, positionals } = parse(args, { reason: { type: "string" } }, ["id"]);
    const { id, reason } = validate(idParam.extend(revokeInput.shape), { id: positionals[0], reason: values.reason }, (f) =>
      f === "id" ? "<id>" : `--${f}`,
    );
    // Revoke, not delete: the row stays for the audit trail. The operator on the host may revoke any key.
    await withCore((core) => core.keys.revoke(null, id, reason));
    emit(values.json, { id, revoked: true }, () => `revoked API key ${id}`);
  },

  async roll(args) {
    const { values, positionals } = parse(args, { grace: { type: "string" } }, ["id"]);
    const { id } = validate(idParam, { id: positionals[0] }, () => "<id>");
    const grace = wholeNumber("grace", values.grace);
    const input = validate(rollInput, { gracePeriodSeconds: grace === undefined ? undefined : Number(grace) }, () => "--grace");
    const rolled = await withCore((core) => core.keyLifecycle.roll(null, id, input));
    if (values.json) return emit(true, rolled, () => "");
    // Like create: the key alone on stdout, the note on stderr.
    console.error(
      `rolled API key "${rolled.name}": new id ${rolled.id}; the old key works until ${rolled.previous.expiresAt!.toISOString()}. ` +
        "The new key is shown only this once:",
    );
    console.log(rolled.key);
  },

  usage: keyUsageCommand,

  async "revoke-all"(args) {
    const { values } = parse(args, { email: { type: "string" } });
    const email = required(values.email, "email");
    // After a compromise: every key of the user stops working at once, in a running server too.
    const revoked = await withCore((core) => core.keys.revokeAll(ownerByEmail(core, email).id));
    emit(values.json, { email: email.trim().toLowerCase(), revoked }, () => `revoked ${revoked} API key(s) of ${email.trim().toLowerCase()}`);
  },
};

/** `argus keys <create|list|revoke|revoke-all|roll|usage>`: key management for a named user, from the host. */
export async function keysCommand(args: string[]) {
  const [sub, ...rest] = args;
  await lookup(subcommands, sub, "keys subcommand")(rest);
}
