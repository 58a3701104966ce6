/**
 * A small emulator of AWS STS AssumeRole over the Query protocol, for tests that must not need a
 * cloud account. The official SDK sends `POST /` with a form body (`Action=AssumeRole`,
 * `Version=2011-06-15`, `RoleArn`, `RoleSessionName`, `DurationSeconds`, `ExternalId`); the
 * emulator answers with XML credentials, or with an `ErrorResponse` (HTTP 403 AccessDenied) for
 * roles listed in `deniedRoleArns`. Every request is recorded with its parameters.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { closeServer, listenOnLoopback } from "./loopback.js";

/** Options of `startStsEmulator`. */
export interface StsEmulatorOptions {
  /** Credentials handed out by AssumeRole. @default random keys */
  issue?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Role ARNs answered with 403 AccessDenied. @default [] */
  deniedRoleArns?: string[];
}

/** A request the emulator got. */
export interface StsRequest {
  headers: IncomingHttpHeaders;
  /** The form parameters (`Action`, `RoleArn`, …). */
  params: Record<string, string>;
}

/** A running emulator. */
export interface StsEmulator {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint`. */
  endpoint: string;
  /** Every request received, in order. */
  requests: StsRequest[];
  /** The credentials AssumeRole hands out. */
  issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /** Stops the server. */
  stop(): Promise<void>;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Starts the emulator on a free loopback port. */
export async function startStsEmulator(options: StsEmulatorOptions = {}): Promise<StsEmulator> {
  const issued = {
    accessKeyId:
      options.issue?.accessKeyId ??
      `ASIA${randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`,
    secretAccessKey: options.issue?.secretAccessKey ?? randomUUID(),
    sessionToken: options.issue?.sessionToken ?? `session-${randomUUID()}`,
  };
  const denied = new Set(options.deniedRoleArns ?? []);
  const requests: StsRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const params = Object.fromEntries(
        new URLSearchParams(Buffer.concat(chunks).toString("utf8")),
      );
      requests.push({ headers: request.headers, params });
      const requestId = randomUUID();
      const fail = (status: number, type: string, code: string, message: string) => {
        response.writeHead(status, { "content-type": "text/xml" });
        response.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      };
      if (request.method !== "POST" || params.Action !== "AssumeRole") {
        fail(400, "Sender", "InvalidAction", `Could not find operation ${params.Action ?? ""}`);
        return;
      }
      const roleArn = params.RoleArn ?? "";
      const sessionName = params.RoleSessionName ?? "";
      if (!request.headers.authorization?.includes("Credential=")) {
        fail(
          403,
          "Sender",
          "MissingAuthenticationToken",
          "Request is missing Authentication Token",
        );
        return;
      }
      if (denied.has(roleArn)) {
        fail(
          403,
          "Sender",
          "AccessDenied",
          `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
        return;
      }
      const duration = Number(params.DurationSeconds ?? 3600);
      const expiration = new Date(Date.now() + duration * 1000).toISOString();
      const roleName = roleArn.split("/").pop() ?? "role";
      const accountId = roleArn.split(":")[4] ?? "123456789012";
      response.writeHead(200, { "content-type": "text/xml" });
      response.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${xmlEscape(issued.accessKeyId)}</AccessKeyId><SecretAccessKey>${xmlEscape(issued.secretAccessKey)}</SecretAccessKey><SessionToken>${xmlEscape(issued.sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${accountId}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(sessionName)}</Arn><AssumedRoleId>AROAEXAMPLE:${xmlEscape(sessionName)}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    });
  });
  const endpoint = await listenOnLoopback(server);
  return { endpoint, requests, issued, stop: () => closeServer(server) };
}
