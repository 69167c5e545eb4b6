// The port a listening TCP server got (port 0 asks the system for a free one). server.address()
// is typed for every kind of server: a string for a pipe, null before listening.
import type { AddressInfo } from "node:net";

export function listeningPort(server: { address(): AddressInfo | string | null }): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`the server is not listening on a TCP port (${address ?? "not listening"})`);
  return address.port;
}
