import { useEffect, useRef } from "react";
import uPlot from "uplot";
// Bundled into the console's own stylesheet by Bun (no remote origin, nothing inline: the CSP holds).
import "uplot/dist/uPlot.min.css";
import { alignUsage, type Usage } from "./usage-data.ts";

const HEIGHT = 240;

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";

function options(width: number, u: Usage, labels: string[], colors: string[]): uPlot.Options {
  const axis = { stroke: css("--muted"), grid: { stroke: css("--line"), width: 1 }, ticks: { stroke: css("--line"), width: 1 } };
  const day = u.granularity === "day";
  return {
    width,
    height: HEIGHT,
    // Bars would hide each other across nine outcomes; lines with points read well at every range.
    series: [
      { label: day ? "Day" : "Hour", value: (_, v) => (v == null ? "" : new Date(v * 1000).toLocaleString(undefined, day ? { dateStyle: "medium" } : { dateStyle: "short", timeStyle: "short" })) },
      ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2, points: { size: 5 } })),
    ],
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] as uPlot.Range.MinMax } },
    axes: [axis, { ...axis, size: 48, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : "")) }],
    cursor: { drag: { x: false, y: false } },
  };
}

/** Requests by outcome over time, drawn by uPlot on a canvas; the table beside it carries the same numbers in text. */
export function UsageChart({ usage }: { usage: Usage }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const { x, series } = alignUsage(usage);
    const labels = series.map((s) => s.outcome.label);
    const colors = series.map((s) => s.outcome.color);
    const data: uPlot.AlignedData = [x, ...series.map((s) => s.values)];
    let plot = new uPlot(options(el.clientWidth, usage, labels, colors), data, el);
    // Follow the container's width (375 px phones to desktops) and the system's light or dark switch.
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: HEIGHT }));
    resize.observe(el);
    const scheme = window.matchMedia("(prefers-color-scheme: dark)");
    const restyle = () => {
      plot.destroy();
      plot = new uPlot(options(el.clientWidth, usage, labels, colors), data, el);
    };
    scheme.addEventListener("change", restyle);
    return () => {
      resize.disconnect();
      scheme.removeEventListener("change", restyle);
      plot.destroy();
    };
  }, [usage]);
  return <div ref={box} className="usage-chart" aria-hidden="true" data-testid="usage-chart" />;
}
