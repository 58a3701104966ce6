/**
 * Prints a warning of the integration layer on stderr, prefixed so it can be told apart from the
 * program's own output. Never given a secret value.
 */
export function warn(message: string): void {
  process.stderr.write(`tessera: warning: ${message}\n`);
}
