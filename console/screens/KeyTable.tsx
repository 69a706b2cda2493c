import type { ReactNode } from "react";
import { StackTable, when } from "../ui.tsx";

export type KeyRow = {
  id: string;
  name: string;
  keyPrefix: string;
  lastFour: string;
  isActive: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  scopes: string[];
  rateLimit: number | null;
  userEmail?: string;
  revokedAt?: Date | null;
  revokedReason?: string | null;
  rotatedTo?: string | null;
  rotatedFrom?: string | null;
};

export type KeyStatus = { label: string; tone: "good" | "bad" | "warn" };

/** What a key can do now, in the words the API's refusals use. */
export function keyStatus(k: KeyRow, now = Date.now()): KeyStatus {
  if (k.revokedAt) return { label: "Revoked", tone: "bad" };
  if (!k.isActive) return { label: "Deactivated", tone: "bad" };
  const ended = k.expiresAt !== null && k.expiresAt.getTime() <= now;
  if (k.rotatedTo) return ended ? { label: "Rotated", tone: "bad" } : { label: "Rolled", tone: "warn" };
  if (ended) return { label: "Expired", tone: "bad" };
  return { label: "Active", tone: "good" };
}

/** May this key still be rolled? (A rolled key's successor is the one to roll.) */
export const rollable = (k: KeyRow) => !k.revokedAt && !k.rotatedTo && (k.expiresAt === null || k.expiresAt.getTime() > Date.now());

export const keyLabel = (k: { keyPrefix: string; lastFour: string }) => `${k.keyPrefix}…${k.lastFour}`;

/** A link to the other key of a roll, named by its visible part when it is at hand. */
function RollLink({ k, rows, base }: { k: KeyRow; rows: KeyRow[]; base: string }) {
  const otherId = k.rotatedTo ?? k.rotatedFrom;
  if (!otherId) return null;
  const other = rows.find((r) => r.id === otherId);
  const name = other ? <code>{keyLabel(other)}</code> : k.rotatedTo ? "the new key" : "the previous key";
  return (
    <small className="hint roll-link">
      {" "}
      {k.rotatedTo ? "replaced by " : "replaces "}
      <a href={`#/${base}/${encodeURIComponent(otherId)}`}>{name}</a>
    </small>
  );
}

/** One table for the caller's keys and the admin's view of everyone's; narrow screens stack each row. */
export function KeyTable({
  rows, caption, action, owner, base = "keys",
}: { rows: KeyRow[]; caption: string; action: (k: KeyRow) => ReactNode; owner?: boolean; base?: string }) {
  const columns = ["Name", ...(owner ? ["Owner"] : []), "Key", "Scopes", "Limit", "Created", "Last used", "Status"];
  return (
    <StackTable caption={caption} columns={columns} actions>
      {rows.map((k) => {
        const status = keyStatus(k);
        return (
          <tr key={k.id} data-key-id={k.id}>
            <th scope="row" data-label="Name">
              <a href={`#/${base}/${encodeURIComponent(k.id)}`} aria-label={`${k.name} (${keyLabel(k)}): details`}>
                {k.name}
              </a>
            </th>
            {owner && <td data-label="Owner">{k.userEmail}</td>}
            <td data-label="Key">
              <code>{keyLabel(k)}</code>
            </td>
            <td data-label="Scopes">{k.scopes.join(", ")}</td>
            <td data-label="Limit">{k.rateLimit ? `${k.rateLimit}/min` : "default"}</td>
            <td data-label="Created">{when(k.createdAt)}</td>
            <td data-label="Last used">{when(k.lastUsedAt)}</td>
            <td data-label="Status">
              <span className={`status ${status.tone}`}>{status.label}</span>
              {k.expiresAt && (status.label === "Active" || status.label === "Rolled") && (
                <small className="hint"> until {when(k.expiresAt)}</small>
              )}
              {k.revokedAt && <small className="hint"> {when(k.revokedAt)}{k.revokedReason ? `: ${k.revokedReason}` : ""}</small>}
              <RollLink k={k} rows={rows} base={base} />
            </td>
            <td data-label="Actions" className="actions">
              {action(k)}
            </td>
          </tr>
        );
      })}
    </StackTable>
  );
}
