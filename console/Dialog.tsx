import { useEffect, useId, useRef, type ReactNode } from "react";
import { createPortal } from "react-dom";

/**
 * A modal dialog on the platform's <dialog>: showModal() makes the rest of the page inert, Escape closes it, and
 * focus goes to the first control inside; on close it goes back to whatever opened it. Rendered at the end of <body>,
 * so it inherits nothing from where it was opened (a table cell's nowrap, say).
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      // The opener may have re-rendered away (e.g. a row that changed); then the main landmark takes focus.
      if (opener?.isConnected) opener.focus();
      else document.getElementById("main")?.focus();
    };
  }, []);
  return createPortal(
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => (e.preventDefault(), onClose())}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>,
    document.body,
  );
}
