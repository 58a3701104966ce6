import { type ReactElement, StrictMode, useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, type Scope, storedToken, storeToken } from "./api";
import { ErrorNotice } from "./components";
import { CatalogPage } from "./pages/catalog-page";
import { DocumentPage } from "./pages/document-page";
import { DocumentsPage } from "./pages/documents-page";
import { EditPage } from "./pages/edit-page";
import { KeysPage } from "./pages/keys-page";
import { SignInPage } from "./pages/sign-in-page";
import { href, useRoute } from "./router";

/** `tessera ui` prints `…/ui/#code=<one-time code>`: exchange it for a session token, once. */
async function exchangeOneTimeCode(): Promise<void> {
  const match = /^#code=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match) return;
  // The code leaves the address bar and the history before anything else happens.
  window.history.replaceState(null, "", `${window.location.pathname}#/`);
  const { body } = await api<{ token: string }>("/ui/session", {
    method: "POST",
    body: { code: match[1] },
  });
  storeToken(body.token);
}

function App() {
  const [scope, setScope] = useState<Scope | null | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>();
  const route = useRoute();

  const signIn = useCallback(async () => {
    try {
      await exchangeOneTimeCode();
    } catch (failure) {
      setError(failure as Error);
    }
    if (!storedToken()) return setScope(null);
    try {
      const { body } = await api<{ scope: Scope }>("/v1/session");
      setScope(body.scope);
    } catch (failure) {
      storeToken(null);
      setError(failure as Error);
      setScope(null);
    }
  }, []);

  useEffect(() => {
    void signIn();
    const signedOut = () => {
      storeToken(null);
      setScope(null);
    };
    window.addEventListener("tessera:signed-out", signedOut);
    return () => window.removeEventListener("tessera:signed-out", signedOut);
  }, [signIn]);

  if (scope === undefined) return <p className="muted">Loading…</p>;
  if (scope === null) {
    return (
      <SignInPage
        error={error}
        onToken={(token) => {
          storeToken(token);
          setError(undefined);
          void signIn();
        }}
      />
    );
  }

  const [section, type, name, action] = route;
  let page: ReactElement;
  if (section === "types" && type) page = <DocumentsPage type={type} scope={scope} />;
  else if (section === "new" && type) page = <EditPage type={type} scope={scope} />;
  else if (section === "blocks" && type && name && action === "edit") {
    page = <EditPage type={type} name={name} scope={scope} />;
  } else if (section === "blocks" && type && name) {
    page = <DocumentPage type={type} name={name} scope={scope} />;
  } else if (section === "keys") page = <KeysPage />;
  else page = <CatalogPage />;

  return (
    <>
      <header className="top">
        <a className="brand" href={href()}>
          Tessera
        </a>
        <nav>
          <a href={href()}>Block types</a>
          {scope === "admin" ? <a href={href("keys")}>Keys</a> : null}
        </nav>
        <span className="scope" data-testid="scope">
          signed in · {scope}
        </span>
        <button
          type="button"
          className="link"
          onClick={() => window.dispatchEvent(new Event("tessera:signed-out"))}
        >
          Sign out
        </button>
      </header>
      <main>
        <ErrorNotice error={error} />
        {page}
      </main>
    </>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
