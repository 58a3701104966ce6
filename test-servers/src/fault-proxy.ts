/**
 * A fault-injecting HTTP proxy for tests: it stands on a free loopback port in front of a real
 * server (s3rver, the Secrets Manager emulator), forwards requests byte for byte (headers
 * included, so SigV4 signatures still verify), records every request it sees, and applies rules
 * that answer with a canned response (503 SlowDown, 403 AccessDenied, throttling) or cut the
 * connection part-way through a request body.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import { listenOnLoopback } from "./loopback.js";

/** A request the proxy saw. */
export interface ProxiedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** `X-Amz-Target` of JSON-protocol calls (`secretsmanager.GetSecretValue`). */
  target?: string;
  /** What the proxy did: forwarded, answered by a rule, or cut (the request, or its response). */
  outcome: "forwarded" | "responded" | "cut" | "cut-response" | "hung";
  /** Status sent back, when there was one. */
  status?: number;
}

/** What a rule does with a matching request. */
export type FaultAction =
  /** Answer without forwarding. */
  | { kind: "respond"; status: number; headers?: Record<string, string>; body?: string }
  /** Read up to `afterBytes` of the body, then destroy the connection. @default afterBytes 0 */
  | { kind: "cut"; afterBytes?: number }
  /**
   * Forward the request, then destroy the connection after `afterBytes` of the response body
   * (a download cut part-way; the server has done the work).
   */
  | { kind: "cut-response"; afterBytes: number }
  /** Read the request and never answer (a hung endpoint). */
  | { kind: "hang" };

/** A rule: which requests, how many times, what to do. */
export interface FaultRule {
  /** Whether the rule applies to a request. */
  match: (request: ProxiedRequest) => boolean;
  /** How many matching requests it applies to. @default Infinity */
  times?: number;
  action: FaultAction;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point clients here instead of at the server. */
  endpoint: string;
  /** Every request seen, in arrival order. */
  requests: ProxiedRequest[];
  /** Adds a rule; rules are tried in the order they were added. */
  addRule(rule: FaultRule): void;
  /** Removes every rule and forgets the recorded requests. */
  reset(): void;
  /** Stops the proxy. */
  stop(): Promise<void>;
}

/** An S3 error response body, as S3 sends it. */
export function s3ErrorResponse(
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): FaultAction {
  const fields = Object.entries(extra)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join("");
  return {
    kind: "respond",
    status,
    headers: { "content-type": "application/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message>${fields}<RequestId>FAULTPROXY</RequestId></Error>`,
  };
}

/** A JSON-protocol (Secrets Manager) error response. */
export function jsonErrorResponse(status: number, type: string, message: string): FaultAction {
  return {
    kind: "respond",
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** Starts a proxy in front of `targetEndpoint` (`http://host:port`). */
export async function startFaultProxy(targetEndpoint: string): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  const agent = new Agent({ keepAlive: true });
  const rules: { rule: FaultRule; remaining: number }[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  function handle(incoming: IncomingMessage, outgoing: ServerResponse) {
    const url = new URL(incoming.url ?? "/", "http://proxy");
    const amzTarget = incoming.headers["x-amz-target"];
    const seen: ProxiedRequest = {
      method: incoming.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      ...(typeof amzTarget === "string" ? { target: amzTarget } : {}),
      outcome: "forwarded",
    };
    requests.push(seen);
    const applied = rules.find((entry) => entry.remaining > 0 && entry.rule.match(seen));
    let cutResponseAfter: number | undefined;
    if (applied?.rule.action.kind === "cut-response") {
      applied.remaining -= 1;
      seen.outcome = "cut-response";
      cutResponseAfter = applied.rule.action.afterBytes;
    } else if (applied) {
      applied.remaining -= 1;
      const action = applied.rule.action;
      if (action.kind === "respond") {
        seen.outcome = "responded";
        seen.status = action.status;
        incoming.resume();
        incoming.on("end", () => {
          const body = action.body ?? "";
          outgoing.writeHead(action.status, {
            ...action.headers,
            "content-length": String(Buffer.byteLength(body)),
          });
          outgoing.end(body);
        });
        return;
      }
      if (action.kind === "hang") {
        seen.outcome = "hung";
        incoming.resume();
        return;
      }
      seen.outcome = "cut";
      const limit = action.afterBytes ?? 0;
      let received = 0;
      const cut = () => {
        incoming.socket.destroy();
      };
      if (limit === 0) return cut();
      incoming.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= limit) cut();
      });
      incoming.on("end", cut);
      return;
    }
    const forwarded = httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        agent,
      },
      (reply) => {
        seen.status = reply.statusCode ?? 502;
        outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
        if (cutResponseAfter === undefined) {
          reply.pipe(outgoing);
          return;
        }
        let budget = cutResponseAfter;
        reply.on("data", (chunk: Buffer) => {
          if (budget > 0) outgoing.write(chunk.subarray(0, budget));
          budget -= chunk.length;
          if (budget <= 0) {
            reply.destroy();
            outgoing.socket?.destroy();
          }
        });
        reply.on("end", () => outgoing.socket?.destroy());
      },
    );
    forwarded.on("error", () => incoming.socket.destroy());
    incoming.pipe(forwarded);
  }

  const server: Server = createServer(handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    requests,
    addRule(rule) {
      rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    },
    reset() {
      rules.length = 0;
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
