import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { queryClient } from "./trpc.ts";

// Clickjacking: the page cannot send frame-ancestors from a <meta> CSP, so a framed console renders nothing.
if (window.top !== window.self) throw new Error("The Argus Console does not run inside a frame.");

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
