import { isTesseraErrorWithCode, TesseraError, type TesseraErrorOptions } from "@tessera/core";

/**
 * The version of a Google Cloud secret that was asked for exists but cannot be read: it is
 * disabled (it can be enabled again) or destroyed (its value is gone for good). Not retried.
 */
export class GcpSecretVersionUnavailableError extends TesseraError {
  static readonly code = "SECRET_VERSION_UNAVAILABLE";
  /** The secret's id in Secret Manager. */
  readonly secretName: string;
  /** The project of the secret. */
  readonly project: string;
  /** The version asked for (`latest` or a number). */
  readonly version: string;
  /** `DISABLED` or `DESTROYED`, as Secret Manager reported it (`undefined` when it did not say). */
  readonly state: "DISABLED" | "DESTROYED" | undefined;
  /** The `gcp-secret/<name>` block that asked, when it was saved or loaded. */
  readonly slug: string | undefined;

  constructor(
    details: {
      secretName: string;
      project: string;
      version: string;
      state?: "DISABLED" | "DESTROYED" | undefined;
      slug?: string | undefined;
    } & TesseraErrorOptions,
  ) {
    const { secretName, project, version, state, slug } = details;
    const block = slug === undefined ? "" : ` for block ${slug}`;
    const how = state === undefined ? "disabled or destroyed" : state.toLowerCase();
    super(
      GcpSecretVersionUnavailableError.code,
      `Version ${version} of Google Cloud secret "${secretName}" in project "${project}"${block} is ${how} and cannot be read. ${details.advice ?? (state === "DESTROYED" ? "Pin another version, or write a new value with writeSecret()." : "Enable the version again (gcloud secrets versions enable), pin another version, or write a new value with writeSecret().")}`,
      details,
    );
    this.secretName = secretName;
    this.project = project;
    this.version = version;
    this.state = state;
    this.slug = slug;
  }

  static override isInstance(value: unknown): value is GcpSecretVersionUnavailableError {
    return isTesseraErrorWithCode(value, GcpSecretVersionUnavailableError.code);
  }
}
