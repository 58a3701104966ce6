import { useState } from "react";
import {
  ApiError,
  api,
  type BlockType,
  type BlockValues,
  blockPath,
  canWrite,
  documentPath,
  type JsonSchema,
  type RevisionSummary,
  type Scope,
} from "../api";
import { ErrorNotice, formatTime, Loading } from "../components";
import { href, navigate } from "../router";
import { useApi } from "../use-api";
import {
  type Change,
  diffValues,
  isObject,
  isSecretMarker,
  isSecretSchema,
  propertySchema,
  refOf,
} from "../values";

/** One saved block: its fields, its revisions, a diff between two of them and rollback. */
export function DocumentPage({ type, name, scope }: { type: string; name: string; scope: Scope }) {
  const block = useApi<BlockValues>(blockPath(type, name));
  const blockType = useApi<BlockType>(`/v1/block-types/${encodeURIComponent(type)}`);
  const history = useApi<{ items: RevisionSummary[] }>(`${documentPath(type, name)}/history`);
  const [actionError, setActionError] = useState<Error | undefined>();
  const values = block.data?.body;

  const remove = async () => {
    if (!values || !window.confirm(`Delete ${values.slug} and its history?`)) return;
    try {
      await api(documentPath(type, name), { method: "DELETE" });
      navigate("types", type);
    } catch (error) {
      setActionError(error as Error);
    }
  };

  return (
    <section>
      <p className="crumbs">
        <a href={href()}>Block types</a> / <a href={href("types", type)}>{type}</a> / {name}
      </p>
      <h1>
        {type}/{name}
      </h1>
      <ErrorNotice error={block.error ?? actionError} />
      <Loading when={block.loading && !block.data}>
        {values ? (
          <>
            <p className="muted" data-testid="revision">
              Revision {values.revision} · updated {formatTime(values.updatedAt)}
              {values.actor ? ` by ${values.actor}` : ""}
            </p>
            {canWrite(scope) ? (
              <p className="actions">
                <a className="button" href={href("blocks", type, name, "edit")}>
                  Edit
                </a>
                <button type="button" className="danger" onClick={remove}>
                  Delete
                </button>
              </p>
            ) : null}
            <div data-testid="fields">
              <Fields schema={blockType.data?.body.jsonSchema} value={values.data} />
            </div>
            <History
              type={type}
              name={name}
              current={values.revision}
              revisions={history.data?.body.items ?? []}
              scope={scope}
              onRolledBack={() => {
                block.reload();
                history.reload();
              }}
            />
          </>
        ) : null}
      </Loading>
    </section>
  );
}

/** A block's fields as a definition list: secrets "set" / "not set", links to nested blocks. */
function Fields({ schema, value }: { schema: JsonSchema | undefined; value: unknown }) {
  if (!isObject(value)) return <FieldValue schema={schema} value={value} />;
  const keys = new Set<string>([
    ...Object.keys(isObject(schema?.properties) ? schema.properties : {}),
    ...Object.keys(value),
  ]);
  return (
    <dl className="fields">
      {[...keys].map((key) => {
        const fieldSchema = propertySchema(schema, key);
        return (
          <div key={key} className="field" data-field={key}>
            <dt>{typeof fieldSchema?.title === "string" ? fieldSchema.title : key}</dt>
            <dd>
              <FieldValue schema={fieldSchema} value={value[key]} />
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function FieldValue({ schema, value }: { schema: JsonSchema | undefined; value: unknown }) {
  if (isSecretMarker(value)) return <span className="secret">set</span>;
  if (isSecretSchema(schema) && (value === undefined || value === null)) {
    return <span className="secret unset">not set</span>;
  }
  const ref = refOf(value);
  if (ref !== undefined) {
    const [refType = "", refName = ""] = ref.split("/");
    return (
      <a className="block-link" href={href("blocks", refType, refName)}>
        {ref}
      </a>
    );
  }
  if (isObject(value) && typeof value.$reference === "string") {
    return <span className="secret">set, from {value.$reference}</span>;
  }
  if (isObject(value) && "$missing" in value) {
    return <span className="muted">a linked block that was deleted</span>;
  }
  if (value === undefined) return <span className="muted">—</span>;
  if (Array.isArray(value)) {
    const items = isObject(schema?.items) ? (schema.items as JsonSchema) : undefined;
    return (
      <ol>
        {value.map((item, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity but position
          <li key={index}>
            <FieldValue schema={items} value={item} />
          </li>
        ))}
      </ol>
    );
  }
  if (isObject(value)) return <Fields schema={schema} value={value} />;
  return <span className="value">{typeof value === "string" ? value : JSON.stringify(value)}</span>;
}

function History({
  type,
  name,
  current,
  revisions,
  scope,
  onRolledBack,
}: {
  type: string;
  name: string;
  current: number;
  revisions: RevisionSummary[];
  scope: Scope;
  onRolledBack: () => void;
}) {
  const sorted = [...revisions].sort((a, b) => b.revision - a.revision);
  const [from, setFrom] = useState<number | undefined>();
  const [to, setTo] = useState<number | undefined>();
  const [changes, setChanges] = useState<Change[] | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const left = from ?? sorted[1]?.revision;
  const right = to ?? sorted[0]?.revision;

  const compare = async () => {
    if (left === undefined || right === undefined) return;
    setError(undefined);
    try {
      const [before, after] = await Promise.all(
        [left, right].map((revision) =>
          api<BlockValues>(`${blockPath(type, name)}?revision=${revision}`),
        ),
      );
      setChanges(diffValues(before!.body.data, after!.body.data));
    } catch (failure) {
      setError(failure as Error);
    }
  };

  const rollback = async (revision: number) => {
    setError(undefined);
    try {
      await api(`${documentPath(type, name)}/rollback`, {
        method: "POST",
        body: { revision },
        headers: { "if-match": `"${current}"` },
      });
      setChanges(undefined);
      onRolledBack();
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.code === "REVISION_CONFLICT"
          ? new Error(`${failure.message} Reload the page to see the newest revision.`)
          : (failure as Error),
      );
    }
  };

  const options = sorted.map((entry) => (
    <option key={entry.revision} value={entry.revision}>
      {entry.revision}
    </option>
  ));
  return (
    <section className="history">
      <h2>History</h2>
      <ErrorNotice error={error} />
      <table data-testid="history">
        <thead>
          <tr>
            <th>Revision</th>
            <th>What</th>
            <th>When</th>
            <th>By</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sorted.map((entry) => (
            <tr key={entry.revision} data-revision={entry.revision}>
              <td>{entry.revision}</td>
              <td>
                {entry.operation}
                {entry.restoredFrom ? ` of revision ${entry.restoredFrom}` : ""}
              </td>
              <td>{formatTime(entry.updatedAt)}</td>
              <td data-testid="actor">{entry.actor ?? "-"}</td>
              <td>
                {canWrite(scope) && entry.revision !== current ? (
                  <button type="button" onClick={() => rollback(entry.revision)}>
                    Roll back to {entry.revision}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > 1 ? (
        <p className="compare">
          Compare revision{" "}
          <select
            aria-label="from revision"
            value={left}
            onChange={(event) => setFrom(Number(event.target.value))}
          >
            {options}
          </select>{" "}
          with{" "}
          <select
            aria-label="to revision"
            value={right}
            onChange={(event) => setTo(Number(event.target.value))}
          >
            {options}
          </select>{" "}
          <button type="button" onClick={compare}>
            Compare
          </button>
        </p>
      ) : null}
      {changes ? <ChangeTable changes={changes} from={left} to={right} /> : null}
    </section>
  );
}

export function ChangeTable({
  changes,
  from,
  to,
}: {
  changes: Change[];
  from: number | string | undefined;
  to: number | string | undefined;
}) {
  if (changes.length === 0) return <p className="muted">No field differs.</p>;
  return (
    <table className="diff" data-testid="diff">
      <thead>
        <tr>
          <th>Field</th>
          <th>{from}</th>
          <th>{to}</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.path}>
            <td>
              <code>{change.path}</code>
            </td>
            <td className="before">{change.before ?? "—"}</td>
            <td className="after">{change.after ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
