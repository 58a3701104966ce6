import type { WidgetProps } from "@rjsf/utils";
import { useState } from "react";
import type { BlockFormContext } from "./form-context";

/**
 * A secret field: write-only. It never shows a stored value (the server never sends one); it
 * says whether one is set and, when editing, an empty input keeps it. Multi-line values (PEM keys,
 * certificates) go in a masked text area that keeps every newline as typed or pasted; a field whose
 * schema declares `contentMediaType` (or `x-multiline`) starts as one.
 */
export function SecretWidget(props: WidgetProps) {
  const { id, value, onChange, schema, disabled, readonly, registry } = props;
  const context = registry.formContext as BlockFormContext | undefined;
  const stored = context?.storedSecrets.has(id) ?? false;
  const declaredMultiline =
    typeof schema.contentMediaType === "string" ||
    (schema as Record<string, unknown>)["x-multiline"] === true;
  const [multiline, setMultiline] = useState(
    declaredMultiline || (typeof value === "string" && value.includes("\n")),
  );
  const text = typeof value === "string" ? value : "";
  const placeholder = stored
    ? "set · leave empty to keep the stored value"
    : "not set · type a value to set it";
  const change = (next: string) => onChange(next === "" ? undefined : next);
  return (
    <div className="secret-input">
      {multiline ? (
        <textarea
          id={id}
          className="masked"
          rows={6}
          value={text}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          disabled={disabled || readonly}
          onChange={(event) => change(event.target.value)}
        />
      ) : (
        <input
          id={id}
          type="password"
          value={text}
          placeholder={placeholder}
          autoComplete="new-password"
          disabled={disabled || readonly}
          onChange={(event) => change(event.target.value)}
        />
      )}
      <span className="secret-state" data-secret-state={stored ? "set" : "not set"}>
        {stored ? "set" : "not set"}
      </span>
      <button type="button" className="link" onClick={() => setMultiline(!multiline)}>
        {multiline ? "single line" : "multi-line (PEM, certificate)"}
      </button>
    </div>
  );
}
