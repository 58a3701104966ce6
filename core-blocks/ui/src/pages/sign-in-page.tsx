import { type FormEvent, useState } from "react";
import { ErrorNotice } from "../components";

/** Sign-in with an API token made by `tessera token create`; kept in this tab only. */
export function SignInPage({
  error,
  onToken,
}: {
  error: Error | undefined;
  onToken: (token: string) => void;
}) {
  const [token, setToken] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) onToken(token.trim());
  };
  return (
    <main className="sign-in">
      <h1>Tessera blocks</h1>
      <ErrorNotice error={error} />
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <p className="muted">
          Make one with <code>tessera token create</code>. It stays in this browser tab only and is
          sent to this server as a Bearer token; its scope decides what you can see and change.
        </p>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
