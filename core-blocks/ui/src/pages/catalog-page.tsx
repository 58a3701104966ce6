import { useState } from "react";
import type { BlockType } from "../api";
import { ErrorNotice, Loading } from "../components";
import { href } from "../router";
import { useApi } from "../use-api";

/** Every registered block type, with a search over title, slug, description and capabilities. */
export function CatalogPage() {
  const { data, error, loading } = useApi<{ items: BlockType[] }>("/v1/block-types");
  const [query, setQuery] = useState("");
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const types = (data?.body.items ?? []).filter((type) => {
    const text = [type.type, type.title, type.description, type.package?.name ?? ""]
      .concat(type.capabilities)
      .join(" ")
      .toLowerCase();
    return words.every((word) => text.includes(word));
  });
  return (
    <section>
      <h1>Block types</h1>
      <input
        type="search"
        className="search"
        placeholder="Search block types"
        aria-label="Search block types"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      <ErrorNotice error={error} />
      <Loading when={loading && !data}>
        <ul className="cards" data-testid="catalog">
          {types.map((type) => (
            <li key={type.type} className="card">
              <h2>
                <a href={href("types", type.type)}>{type.title}</a>
              </h2>
              <code>{type.type}</code>
              <p>{type.description}</p>
              <p className="chips">
                {type.capabilities.map((capability) => (
                  <span key={capability} className="chip">
                    {capability}
                  </span>
                ))}
              </p>
              <p className="muted">
                {type.package
                  ? `${type.package.name} ${type.package.version}`
                  : "defined by the application"}{" "}
                · schema {type.schemaVersion}
              </p>
            </li>
          ))}
        </ul>
        {types.length === 0 ? <p className="muted">No block type matches.</p> : null}
      </Loading>
    </section>
  );
}
