import { ErrorNotice, formatTime, Loading } from "../components";
import { useApi } from "../use-api";

interface MasterKeyRecord {
  id: string;
  current: boolean;
  firstUsedAt: string;
}

/** The master keys the store has seen (ids only) and which one new data keys use. */
export function KeysPage() {
  const { data, error, loading } = useApi<{ items: MasterKeyRecord[] }>("/v1/master-keys");
  const keys = data?.body.items ?? [];
  return (
    <section>
      <h1>Master keys</h1>
      <p className="muted">
        Key ids are fingerprints: the keys themselves never leave the machines that hold them.
        Rotate with <code>tessera key rotate</code>.
      </p>
      <ErrorNotice error={error} />
      <Loading when={loading && !data}>
        <table data-testid="keys">
          <thead>
            <tr>
              <th>Key id</th>
              <th>Status</th>
              <th>First used</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id}>
                <td>
                  <code>{key.id}</code>
                </td>
                <td>{key.current ? "current" : "older (still decrypts until rotated away)"}</td>
                <td>{formatTime(key.firstUsedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {keys.length === 0 ? <p className="muted">No key has encrypted anything yet.</p> : null}
      </Loading>
    </section>
  );
}
