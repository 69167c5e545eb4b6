// The port a listening TCP server got (port 0 asks the system for a free one). server.address()
// is typed for every kind of server: a string for a pipe, null before listening.
import { createServer, type AddressInfo } from "node:net";

export function listeningPort(server: { address(): AddressInfo | string | null }): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`the server is not listening on a TCP port (${address ?? "not listening"})`);
  return address.port;
}

/**
 * Binds `port` on `host` a moment to see whether it is free (0: asks the system for any free one)
 * and closes it again: the port it got, or undefined when it was taken.
 */
export function tryBind(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => {
      const bound = listeningPort(server);
      server.close(() => resolve(bound));
    });
  });
}
