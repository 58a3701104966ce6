import { isIP } from "node:net";
import { InvalidInputError } from "../errors/index.js";

/** True for addresses only this machine can reach: `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare === "::1" || bare === "::ffff:127.0.0.1") return true;
  return isIP(bare) === 4 && bare.startsWith("127.");
}

/**
 * Refuses to serve plain HTTP on an address other machines can reach, unless the caller says so:
 * tokens (and revealed secrets) cross that connection.
 */
export function checkListenPolicy(options: {
  host: string;
  tls: boolean;
  insecureHttp: boolean;
}): void {
  if (options.tls || options.insecureHttp || isLoopbackHost(options.host)) return;
  throw new InvalidInputError({
    subject: "--host",
    message: `Refusing to serve plain HTTP on ${options.host}, an address other machines can reach: tokens would cross the network unencrypted. Give --tls-cert and --tls-key, bind 127.0.0.1, or pass --insecure-http when a TLS proxy in front of the server encrypts the traffic.`,
  });
}
