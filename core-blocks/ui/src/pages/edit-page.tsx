import Form from "@rjsf/core";
import type { ErrorSchema, RJSFSchema } from "@rjsf/utils";
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import {
  ApiError,
  api,
  type BlockType,
  type BlockValues,
  blockPath,
  canWrite,
  type Scope,
} from "../api";
import { ErrorNotice, Loading } from "../components";
import type { BlockFormContext } from "../form/form-context";
import { BlockObjectField } from "../form/nested-block-field";
import { SecretWidget } from "../form/secret-widget";
import {
  type ChildToSave,
  formSchema,
  problemsToErrorSchema,
  toFormData,
  toWire,
} from "../form/wire";
import { href, navigate } from "../router";
import { useApi } from "../use-api";
import { type Change, diffValues } from "../values";
import { ChangeTable } from "./document-page";

// Block types' JSON Schemas are draft 2020-12 (zod's own export).
const validator = customizeValidator({ AjvClass: Ajv2020 });
const widgets = { password: SecretWidget };
const fields = { ObjectField: BlockObjectField };

interface Conflict {
  expected: number | undefined;
  actual: number | undefined;
  changes: Change[];
  latest: BlockValues | undefined;
}

/** The create form (no `name`) or the edit form of a saved block, from its type's JSON Schema. */
export function EditPage({ type, name, scope }: { type: string; name?: string; scope: Scope }) {
  const blockType = useApi<BlockType>(`/v1/block-types/${encodeURIComponent(type)}`);
  const saved = useApi<BlockValues>(name === undefined ? null : blockPath(type, name));
  const [base, setBase] = useState<BlockValues | undefined>();
  const [formData, setFormData] = useState<unknown>({});
  const [storedSecrets, setStoredSecrets] = useState<Set<string>>(new Set());
  const [newName, setNewName] = useState("");
  const [extraErrors, setExtraErrors] = useState<ErrorSchema | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [conflict, setConflict] = useState<Conflict | undefined>();
  const [saving, setSaving] = useState(false);
  const [formKey, setFormKey] = useState(0);

  const startFrom = (values: BlockValues) => {
    const secrets = new Set<string>();
    setFormData(toFormData(values.data, secrets));
    setStoredSecrets(secrets);
    setBase(values);
    setConflict(undefined);
    setExtraErrors(undefined);
    setFormKey((key) => key + 1);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: start once per loaded revision
  useEffect(() => {
    if (saved.data) startFrom(saved.data.body);
  }, [saved.data]);

  const context: BlockFormContext = useMemo(
    () => ({ storedSecrets, editing: name !== undefined }),
    [storedSecrets, name],
  );
  const jsonSchema = blockType.data?.body.jsonSchema;
  const schema = useMemo(
    () => (jsonSchema ? (formSchema(jsonSchema) as RJSFSchema) : undefined),
    [jsonSchema],
  );

  if (!canWrite(scope)) {
    return <p className="notice error">A {scope} token cannot change blocks.</p>;
  }

  const submit = async (data: unknown, event?: FormEvent) => {
    event?.preventDefault();
    if (!schema) return;
    const targetName = name ?? newName.trim();
    setError(undefined);
    setExtraErrors(undefined);
    if (!targetName) {
      setError(new Error("Give the block a name (lower-case letters, digits and dashes)."));
      return;
    }
    const children: ChildToSave[] = [];
    const body = toWire(schema, data, base?.data, children) ?? {};
    setSaving(true);
    try {
      for (const child of children) {
        await api(blockPath(child.type, child.name), {
          method: "PUT",
          body: { data: child.data },
          headers: { "if-none-match": "*" },
        });
      }
      await api(blockPath(type, targetName), {
        method: "PUT",
        body: { data: body },
        headers: base ? { "if-match": `"${base.revision}"` } : { "if-none-match": "*" },
      });
      navigate("blocks", type, targetName);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "REVISION_CONFLICT" && base) {
        const latest = await api<BlockValues>(blockPath(type, targetName)).catch(() => undefined);
        setConflict({
          expected: failure.details.expectedRevision as number | undefined,
          actual: (failure.details.actualRevision as number | undefined) ?? latest?.body.revision,
          changes: latest ? diffValues(base.data, latest.body.data) : [],
          latest: latest?.body,
        });
      } else if (failure instanceof ApiError && failure.problems.length > 0) {
        setExtraErrors(problemsToErrorSchema(failure.problems));
        setError(failure);
      } else {
        setError(failure as Error);
      }
    } finally {
      setSaving(false);
    }
  };

  const title = blockType.data?.body.title ?? type;
  return (
    <section>
      <p className="crumbs">
        <a href={href()}>Block types</a> / <a href={href("types", type)}>{type}</a> /{" "}
        {name ? <a href={href("blocks", type, name)}>{name}</a> : "new"}
      </p>
      <h1>{name ? `Edit ${type}/${name}` : `New ${title}`}</h1>
      {base ? <p className="muted">Editing revision {base.revision}.</p> : null}
      {conflict ? (
        <div className="notice conflict" role="alert" data-testid="conflict">
          <p>
            <strong>Someone else saved this block</strong> while you were editing: it is now at
            revision {conflict.actual ?? "?"}, and your changes were made to revision{" "}
            {conflict.expected ?? base?.revision}. Nothing was saved.
          </p>
          <ChangeTable
            changes={conflict.changes}
            from={`yours started from ${base?.revision}`}
            to={`now (${conflict.actual})`}
          />
          <button
            type="button"
            onClick={() => {
              if (conflict.latest) startFrom(conflict.latest);
              else saved.reload();
            }}
          >
            Reload
          </button>{" "}
          <span className="muted">(loads the newest revision; your unsaved changes are lost)</span>
        </div>
      ) : null}
      <ErrorNotice error={blockType.error ?? saved.error ?? error} />
      <Loading when={!schema || (name !== undefined && !base)}>
        {name === undefined ? (
          <p>
            <label htmlFor="block-name">Name</label>{" "}
            <input
              id="block-name"
              value={newName}
              placeholder="for example: production"
              onChange={(event) => setNewName(event.target.value)}
            />
          </p>
        ) : null}
        {schema ? (
          <Form
            key={formKey}
            schema={schema}
            validator={validator}
            formData={formData}
            formContext={context}
            widgets={widgets}
            fields={fields}
            noValidate
            noHtml5Validate
            showErrorList={false}
            experimental_defaultFormStateBehavior={{
              emptyObjectFields: "populateRequiredDefaults",
            }}
            {...(extraErrors ? { extraErrors } : {})}
            disabled={saving}
            onChange={(event) => setFormData(event.formData)}
            onSubmit={(event, submitEvent) => void submit(event.formData, submitEvent)}
          >
            <button type="submit" disabled={saving}>
              {name ? "Save" : "Create"}
            </button>
          </Form>
        ) : null}
      </Loading>
    </section>
  );
}
