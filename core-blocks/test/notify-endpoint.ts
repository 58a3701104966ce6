// A small HTTP endpoint on a loopback port for the notifier tests of core: it accepts, refuses,
// rate-limits or hangs as a test asks, and keeps the JSON bodies it accepted.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { NotifierEndpointBehaviour } from "../src/testing/index.js";

export interface NotifyEndpoint {
  /** `http://127.0.0.1:<port>/hooks/<secret path>`. */
  url: string;
  /** Bodies accepted, parsed. */
  accepted: unknown[];
  /** Every request's headers, in order. */
  requests: IncomingMessage["headers"][];
  stop(): Promise<void>;
}

export async function startNotifyEndpoint(
  behaviour: NotifierEndpointBehaviour = { kind: "accept" },
): Promise<NotifyEndpoint> {
  const accepted: unknown[] = [];
  const requests: IncomingMessage["headers"][] = [];
  let rateLimited = 0;
  const server = createServer((request, response) => {
    requests.push(request.headers);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (behaviour.kind === "hang") return;
      if (behaviour.kind === "refuse") {
        response.writeHead(404, { "content-type": "text/plain" }).end("no_such_hook");
        return;
      }
      if (behaviour.kind === "rate-limit" && rateLimited < behaviour.times) {
        rateLimited += 1;
        response
          .writeHead(429, { "retry-after": String(behaviour.retryAfterSeconds) })
          .end("rate_limited");
        return;
      }
      accepted.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T0SECRET/B0SECRET/x0secretpathpart`,
    accepted,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
