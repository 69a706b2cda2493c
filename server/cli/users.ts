import { notFound } from "../errors.ts";
import type { Core } from "../core/index.ts";
import { registerInput, roleSchema, type User } from "../core/schemas.ts";
import { lookup, parse, required, validate } from "./args.ts";
import { withCore } from "./context.ts";
import { emit, table, when } from "./output.ts";
import { readPassword } from "./password.ts";

const userByEmail = (core: Core, email: string) => {
  const row = core.users.findByEmail(email);
  if (!row) throw notFound(`no user with email ${email.trim().toLowerCase()}`);
  return row;
};

const describe = (u: User) => `${u.email} (${u.role}${u.isActive ? "" : ", deactivated"}) id ${u.id}`;

const subcommands: Record<string, (args: string[]) => Promise<void>> = {
  async create(args) {
    const { values } = parse(args, {
      email: { type: "string" },
      name: { type: "string" },
      admin: { type: "boolean" },
      "password-stdin": { type: "boolean" },
    });
    const email = required(values.email, "email");
    const password = await readPassword(values["password-stdin"] ?? false);
    const input = validate(registerInput, { email, password, name: values.name }, (f) => (f === "password" ? "password" : `--${f}`));
    const user = await withCore(async (core) => core.users.me((await core.users.create({ ...input, role: values.admin ? "admin" : "user" })).id));
    emit(values.json, user, () => `created ${describe(user)}`);
  },

  async list(args) {
    const { values } = parse(args, {});
    const all = await withCore((core) => {
      const users: User[] = [];
      let cursor: string | null = null;
      do {
        const page = core.users.adminList({ limit: 100, cursor });
        users.push(...page.items);
        cursor = page.meta.nextCursor;
      } while (cursor);
      return users;
    });
    emit(values.json, all, () =>
      table(
        ["ID", "EMAIL", "NAME", "ROLE", "ACTIVE", "CREATED"],
        all.map((u) => [u.id, u.email, u.name ?? "-", u.role, u.isActive ? "yes" : "no", when(u.createdAt)]),
        "no users",
      ),
    );
  },

  async "set-role"(args) {
    const { values, positionals } = parse(args, {}, ["email", "role"]);
    const role = validate(roleSchema, positionals[1], () => "role (user or admin)");
    const user = await withCore((core) => core.users.adminUpdate(userByEmail(core, positionals[0]!).id, { role }));
    emit(values.json, user, () => `${user.email} is now ${user.role}`);
  },

  async deactivate(args) {
    const { values, positionals } = parse(args, {}, ["email"]);
    const user = await withCore((core) => core.users.adminUpdate(userByEmail(core, positionals[0]!).id, { isActive: false }));
    emit(values.json, user, () => `deactivated ${user.email}: their sessions and API keys no longer work`);
  },
};

/** `argus users <create|list|set-role|deactivate>`: the admin operations, run on the host without a session. */
export async function usersCommand(args: string[]) {
  const [sub, ...rest] = args;
  await lookup(subcommands, sub, "users subcommand")(rest);
}
