import type { ReactNode } from "react";
import { when } from "../ui.tsx";

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
};

export function keyStatus(k: KeyRow, now = Date.now()) {
  if (!k.isActive) return { label: "Deactivated", tone: "bad" };
  if (k.expiresAt && k.expiresAt.getTime() <= now) return { label: "Expired", tone: "bad" };
  return { label: "Active", tone: "good" };
}

/** One table for the caller's keys and the admin's view of everyone's; narrow screens stack each row. */
export function KeyTable({ rows, caption, action, owner }: { rows: KeyRow[]; caption: string; action: (k: KeyRow) => ReactNode; owner?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="stack">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {owner && <th scope="col">Owner</th>}
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Limit</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((k) => {
            const status = keyStatus(k);
            return (
              <tr key={k.id} data-key-id={k.id}>
                <th scope="row" data-label="Name">
                  {k.name}
                </th>
                {owner && <td data-label="Owner">{k.userEmail}</td>}
                <td data-label="Key">
                  <code>
                    {k.keyPrefix}…{k.lastFour}
                  </code>
                </td>
                <td data-label="Scopes">{k.scopes.join(", ")}</td>
                <td data-label="Limit">{k.rateLimit ? `${k.rateLimit}/min` : "default"}</td>
                <td data-label="Created">{when(k.createdAt)}</td>
                <td data-label="Last used">{when(k.lastUsedAt)}</td>
                <td data-label="Status">
                  <span className={`status ${status.tone}`}>{status.label}</span>
                  {k.expiresAt && status.label === "Active" && <small className="hint"> until {when(k.expiresAt)}</small>}
                </td>
                <td data-label="Actions" className="actions">
                  {action(k)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
