/** What the form's widgets need to know beyond their own field. */
export interface BlockFormContext {
  /** Ids (`root_credentials_password`) of the secret fields the saved block has a value for. */
  storedSecrets: Set<string>;
  /** True on the edit form of a saved block; false on the create form. */
  editing: boolean;
}

/** The rjsf id of a field path: `["credentials", "password"]` → `root_credentials_password`. */
export function fieldId(path: ReadonlyArray<string | number>): string {
  return ["root", ...path].join("_");
}
