import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { describe } from "./errors.ts";

/** A loading indicator that screen readers announce; it waits a moment so fast answers do not flash it. */
export function Spinner({ label = "Loading" }: { label?: string }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setShown(true), 150);
    return () => clearTimeout(t);
  }, []);
  return (
    <p className="spinner" role="status" aria-live="polite">
      <span className={shown ? "dot" : "dot hidden"} aria-hidden="true" />
      <span className={shown ? "" : "visually-hidden"}>{label}…</span>
    </p>
  );
}

/** The API's sentence, the fields it names, and for 429/503 when to try again. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const { message, retryAfter, details } = describe(error);
  return (
    <div className="error" role="alert">
      <p>{message}</p>
      {details && details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d.field + d.message}>
              <code>{d.field}</code> {d.message}
            </li>
          ))}
        </ul>
      )}
      {retryAfter !== undefined && <RetryIn seconds={retryAfter} />}
    </div>
  );
}

function RetryIn({ seconds }: { seconds: number }) {
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    if (left <= 0) return;
    const t = setTimeout(() => setLeft((s) => s - 1), 1000);
    return () => clearTimeout(t);
  }, [left]);
  return <p className="retry">{left > 0 ? `You can retry in ${left} s.` : "You can retry now."}</p>;
}

/** A labelled input; the label is always visible, so no control relies on a placeholder. */
export function Field(props: { label: string; hint?: string } & React.InputHTMLAttributes<HTMLInputElement>) {
  const { label, hint, ...input } = props;
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** A destructive action asks once more, in place; focus moves to the confirming button and back on cancel. */
export function ConfirmButton(props: { label: string; question: string; confirmLabel: string; onConfirm: () => void; busy?: boolean }) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button ref={triggerRef} type="button" className="danger" disabled={props.busy} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <button ref={confirmRef} type="button" className="danger" onClick={() => (setAsking(false), props.onConfirm())}>
        {props.confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };
  return (
    <>
      <button type="button" onClick={copy}>
        {label}
      </button>
      <span role="status" className="copied">
        {copied === "yes" ? "Copied to the clipboard." : copied === "no" ? "Copy failed: select the text and copy it." : ""}
      </span>
    </>
  );
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export const when = (d: Date | null | undefined, none = "never") => (d ? dateFmt.format(d) : none);

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A table that stacks its rows on narrow screens (each cell shows its data-label); the caption is for screen readers. */
export function StackTable(props: { caption: string; columns: string[]; actions?: boolean; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="stack">
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {props.actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
