/** Directives every policy here ends with: no framing, no <base> rewrites, no form posts anywhere. */
const lockdown = "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What an API answer needs: nothing at all. A response that sets no policy of its own gets this one (http/frame.ts). */
export const strictPolicy = `default-src 'none'; ${lockdown}`;

/** A page's policy: nothing by default, then only the same-origin sources it names (no remote origin, ever). */
export const pagePolicy = (sources: Record<string, string>) =>
  ["default-src 'none'", ...Object.entries(sources).map(([directive, value]) => `${directive} ${value}`), lockdown].join("; ");

/** The CSP source for one inline block (a hash, so the page needs no 'unsafe-inline'). */
export const inlineHash = (text: string) => `'sha256-${new Bun.CryptoHasher("sha256").update(text).digest("base64")}'`;
