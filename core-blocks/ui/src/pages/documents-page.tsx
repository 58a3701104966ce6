import { type BlockType, canWrite, type DocumentSummary, type Scope } from "../api";
import { ErrorNotice, formatTime, Loading } from "../components";
import { href } from "../router";
import { useApi } from "../use-api";

/** The saved blocks of one type. */
export function DocumentsPage({ type, scope }: { type: string; scope: Scope }) {
  const blockType = useApi<BlockType>(`/v1/block-types/${encodeURIComponent(type)}`);
  const documents = useApi<{ items: DocumentSummary[] }>(
    `/v1/documents?type=${encodeURIComponent(type)}&limit=1000`,
  );
  const title = blockType.data?.body.title ?? type;
  return (
    <section>
      <p className="crumbs">
        <a href={href()}>Block types</a> / {type}
      </p>
      <h1>{title}</h1>
      <p>{blockType.data?.body.description}</p>
      {canWrite(scope) ? (
        <a className="button" href={href("new", type)}>
          New {title}
        </a>
      ) : null}
      <ErrorNotice error={blockType.error ?? documents.error} />
      <Loading when={documents.loading && !documents.data}>
        <table data-testid="documents">
          <thead>
            <tr>
              <th>Name</th>
              <th>Revision</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {(documents.data?.body.items ?? []).map((document) => (
              <tr key={document.id}>
                <td>
                  <a href={href("blocks", document.type, document.name)}>{document.name}</a>
                </td>
                <td>{document.revision}</td>
                <td>{formatTime(document.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {documents.data?.body.items.length === 0 ? (
          <p className="muted">No {title} is saved yet.</p>
        ) : null}
      </Loading>
    </section>
  );
}
