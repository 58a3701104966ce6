/**
 * Slack's SDKs, imported when a method first needs them. Importing `@tessera/slack` to read, save
 * or list blocks loads neither; the first call that talks to Slack does, once per process. Every
 * SDK import in this package goes through this file.
 */

/** `@slack/web-api`. */
export type WebApiSdk = typeof import("@slack/web-api");
/** `@slack/webhook`. */
export type WebhookSdk = typeof import("@slack/webhook");

let webApiSdk: Promise<WebApiSdk> | undefined;
let webhookSdk: Promise<WebhookSdk> | undefined;

/** Imports `@slack/web-api` on first call. */
export function loadWebApiSdk(): Promise<WebApiSdk> {
  webApiSdk ??= import("@slack/web-api");
  return webApiSdk;
}

/** Imports `@slack/webhook` on first call. */
export function loadWebhookSdk(): Promise<WebhookSdk> {
  webhookSdk ??= import("@slack/webhook");
  return webhookSdk;
}
