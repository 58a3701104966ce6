import { generateKeyPairSync } from "node:crypto";

/** A service-account key file's JSON object with a fresh RSA key, as Google issues them. */
export function serviceAccountKeyFile(
  clientEmail = "tessera-test@example-project.iam.gserviceaccount.com",
  projectId = "example-project",
): Record<string, string> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    type: "service_account",
    project_id: projectId,
    private_key_id: "0123456789abcdef0123456789abcdef01234567",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: clientEmail,
    client_id: "123456789012345678901",
    auth_uri: "https://accounts.google.com/o/oauth2/auth",
    token_uri: "https://oauth2.googleapis.com/token",
  };
}
