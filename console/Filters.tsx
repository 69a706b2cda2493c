import type { FormEvent, ReactNode } from "react";

/**
 * A search form applied on submit, not per keystroke (each change would be a query): the fields named in `none`
 * are read, trimmed, into the filters, and Clear goes back to `none` itself (screens may compare with it).
 */
export function FilterForm<F extends Record<string, string>>(props: {
  label: string;
  submit: string;
  none: F;
  onApply: (filters: F) => void;
  children: ReactNode;
}) {
  const { none, onApply } = props;
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    onApply(Object.fromEntries(Object.keys(none).map((k) => [k, String(f.get(k) ?? "").trim()])) as F);
  };
  return (
    <form className="card filters" role="search" onSubmit={onSubmit} aria-label={props.label}>
      {props.children}
      <p className="row">
        <button type="submit" className="primary">
          {props.submit}
        </button>
        <button type="reset" onClick={() => onApply(none)}>
          Clear
        </button>
      </p>
    </form>
  );
}

/** Filters applied as soon as one changes; there is no submit button, so Enter must not reload the page. */
export function LiveFilters({ label, children }: { label: string; children: ReactNode }) {
  return (
    <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={label}>
      {children}
    </form>
  );
}

/** One filter among a few values, with "Any" ("") to leave it out. */
export function Choice<V extends string>(props: {
  label: string;
  value: V | "";
  options: readonly (readonly [value: V, label: string])[];
  onChange: (value: V | "") => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value as V | "")}>
        <option value="">Any</option>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

const STATUSES = [["true", "Active"], ["false", "Deactivated"]] as const;

/** Active or deactivated, for users and keys alike: the list's `isActive` input, where null is either. */
export function StatusChoice({ value, onChange }: { value: boolean | null; onChange: (isActive: boolean | null) => void }) {
  const pick = (v: "" | "true" | "false") => onChange(v === "" ? null : v === "true");
  return <Choice label="Status" value={value === null ? "" : `${value}`} options={STATUSES} onChange={pick} />;
}
