import { useSyncExternalStore } from "react";

// Hash routes (#/keys, #/articles/<id>): the server serves one page at "/", and back/forward just work.
const subscribe = (cb: () => void) => {
  window.addEventListener("hashchange", cb);
  return () => window.removeEventListener("hashchange", cb);
};
const read = () => window.location.hash.replace(/^#\/?/, "") || "";

/** The current route as path segments, e.g. ["articles", "abc"]. */
export function useRoute(): string[] {
  const hash = useSyncExternalStore(subscribe, read);
  return hash.split("/").filter(Boolean).map(decodeURIComponent);
}

export const go = (path: string) => {
  window.location.hash = `#/${path}`;
};
