/**
 * The one way a test server here listens: on a free port of the loopback interface, chosen by the
 * operating system, so suites running side by side never collide and nothing is reachable from
 * another machine.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Starts `server` on `127.0.0.1` at a free port and answers its `http://127.0.0.1:<port>`. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Closes `server`, cutting the connections still open (keep-alive clients hold some). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
