import { useState } from "react";
import { queryClient, trpc } from "../trpc.ts";
import { Empty, ErrorNote, Spinner } from "../ui.tsx";
import { UsageChart } from "./UsageChart.tsx";
import { OUTCOMES, RANGES, type Usage } from "./usage-data.ts";
import { useUsage } from "./useUsage.ts";

/** Requests made with the key by outcome, over 24 hours, 7 days or 30 days: a chart and the same totals as text. */
export function KeyUsage({ id, admin }: { id: string; admin: boolean }) {
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[0]);
  const [at, setAt] = useState(() => Date.now());
  const usage = useUsage(id, admin, range, at);
  const pick = (r: (typeof RANGES)[number]) => (setRange(r), setAt(Date.now()));
  // Refresh also re-reads the key itself: its "last used" and quota moved with the requests just counted.
  const refresh = () => {
    setAt(Date.now());
    void queryClient.invalidateQueries({ queryKey: (admin ? trpc.admin.apiKeys.get : trpc.keys.get).queryKey({ id }) });
  };
  return (
    <section className="card usage" aria-labelledby="usage-title" aria-busy={usage.isPending}>
      <h2 id="usage-title">Usage</h2>
      <div className="row usage-bar">
        <div className="segmented" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.key} type="button" aria-pressed={r.key === range.key} onClick={() => pick(r)}>
              {r.label}
            </button>
          ))}
        </div>
        <button type="button" onClick={refresh} disabled={usage.isFetching} aria-busy={usage.isFetching}>
          {usage.isFetching ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      {usage.error ? (
        <ErrorNote error={usage.error} />
      ) : !usage.data ? (
        <div className="usage-chart">
          <Spinner label="Loading usage" />
        </div>
      ) : (
        <UsageView usage={usage.data} range={range.label} />
      )}
    </section>
  );
}

function UsageView({ usage, range }: { usage: Usage; range: string }) {
  const total = OUTCOMES.reduce((n, o) => n + usage.totals[o.key], 0);
  const rows = OUTCOMES.filter((o) => o.key === "ok" || usage.totals[o.key] > 0);
  return (
    <>
      <UsageChart usage={usage} />
      {total === 0 && <Empty>No requests with this key in the last {range}. Make one with it, then choose Refresh.</Empty>}
      <table className="totals">
        <caption>
          Requests in the last {range}, by outcome (per {usage.granularity})
        </caption>
        <tbody>
          {rows.map((o) => (
            <tr key={o.key}>
              <th scope="row">
                <span className="swatch" style={{ background: o.color }} aria-hidden="true" />
                {o.label}
              </th>
              <td>{usage.totals[o.key].toLocaleString()}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">All</th>
            <td>{total.toLocaleString()}</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}
