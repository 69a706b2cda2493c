import type { ReactNode } from "react";

/** The page around every screen: a skip link, the header, the main landmark and the API links. */
export function Frame({ children, nav, title = "Argus Console" }: { children: ReactNode; nav?: ReactNode; title?: string }) {
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <p className="brand">
          <span aria-hidden="true">◉</span> {title}
        </p>
        {nav}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="foot">
        <nav aria-label="API">
          <a href="/api/docs">API reference</a>
          <a href="/api/openapi.json">OpenAPI document</a>
          <a href="/api/health">Health</a>
        </nav>
      </footer>
    </>
  );
}
