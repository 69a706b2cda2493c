/** Bun's server argument to fetch, reduced to what getConnInfo reads: app.request() as if from `address`. */
export const fromAddress = (address: string) => ({
  requestIP: () => ({ address, family: address.includes(":") ? "IPv6" : "IPv4", port: 40_000 }),
});
