import { getDefaultRegistry } from "@rjsf/core";
import type { FieldProps } from "@rjsf/utils";
import { useState } from "react";
import type { DocumentSummary } from "../api";
import { useApi } from "../use-api";
import { isObject, nestedBlockType, refOf } from "../values";

const DefaultObjectField = getDefaultRegistry().fields.ObjectField!;

type Mode = "none" | "existing" | "new";

/**
 * Objects, and nested blocks as a choice: none (when the field is optional), pick an existing
 * block of the nested type (saved as a link, `{ "$ref": "type/name" }`), or create one here
 * (stored inside this block, or saved as its own block when given a name).
 */
export function BlockObjectField(props: FieldProps) {
  const nestedType = nestedBlockType(props.schema);
  if (nestedType === undefined) return <DefaultObjectField {...props} />;
  return <NestedBlockField {...props} nestedType={nestedType} />;
}

function initialMode(formData: unknown, required: boolean): Mode {
  if (refOf(formData) !== undefined) return "existing";
  if (isObject(formData) && formData.$none === true) return "none";
  if (isObject(formData) && Object.keys(formData).length > 0) return "new";
  return required ? "new" : "none";
}

function NestedBlockField(props: FieldProps & { nestedType: string }) {
  const { nestedType, formData, onChange, fieldPathId, required = false } = props;
  const [mode, setMode] = useState<Mode>(() => initialMode(formData, required));
  const documents = useApi<{ items: DocumentSummary[] }>(
    mode === "existing" ? `/v1/documents?type=${encodeURIComponent(nestedType)}&limit=1000` : null,
  );
  const path = fieldPathId.path;
  const choose = (next: Mode) => {
    setMode(next);
    if (next === "none") onChange({ $none: true }, path);
    else if (next === "existing") onChange(undefined, path);
    else onChange({}, path);
  };
  const title = props.schema.title ?? props.name;
  const inline = isObject(formData) && refOf(formData) === undefined && formData.$none !== true;
  const saveAs = inline && typeof formData.$saveAs === "string" ? formData.$saveAs : "";
  return (
    <fieldset className="nested-block" id={fieldPathId.$id} data-nested-type={nestedType}>
      <legend>
        {title} <code>{nestedType}</code>
      </legend>
      <div className="choices" role="radiogroup">
        {(required ? ["existing", "new"] : ["none", "existing", "new"]).map((choice) => (
          <label key={choice}>
            <input
              type="radio"
              name={`${fieldPathId.$id}-mode`}
              value={choice}
              checked={mode === choice}
              onChange={() => choose(choice as Mode)}
            />{" "}
            {choice === "none"
              ? "none"
              : choice === "existing"
                ? "pick an existing one"
                : "create one"}
          </label>
        ))}
      </div>
      {mode === "existing" ? (
        <select
          aria-label={`existing ${nestedType}`}
          value={refOf(formData) ?? ""}
          onChange={(event) =>
            onChange(event.target.value ? { $ref: event.target.value } : undefined, path)
          }
        >
          <option value="">choose a saved {nestedType}</option>
          {(documents.data?.body.items ?? []).map((document) => (
            <option key={document.id} value={`${document.type}/${document.name}`}>
              {document.type}/{document.name}
            </option>
          ))}
        </select>
      ) : null}
      {mode === "new" ? (
        <>
          <label className="save-as">
            Save it as its own block named{" "}
            <input
              aria-label={`name for the new ${nestedType}`}
              value={saveAs}
              placeholder="(leave empty to keep it inside this block)"
              onChange={(event) =>
                onChange(
                  { ...(inline ? formData : {}), $saveAs: event.target.value || undefined },
                  path,
                )
              }
            />
          </label>
          <DefaultObjectField {...props} formData={inline ? formData : {}} />
        </>
      ) : null}
    </fieldset>
  );
}
