/**
 * `@tessera/slack`: Tessera blocks for Slack — `SlackCredentials` (a token: the Web API, and
 * notifications to a channel) and `SlackWebhook` (an incoming webhook). Both implement `notify`.
 *
 * Importing this module registers the block types and checks that the installed `@tessera/core`
 * is within the range in `peerDependencies`; it loads no Slack SDK module.
 */
import { defineIntegration } from "@tessera/core";
import packageJson from "../package.json" with { type: "json" };
import { SlackCredentials } from "./slack-credentials.js";
import { SlackWebhook } from "./slack-webhook.js";

export const integration = defineIntegration({
  name: packageJson.name,
  version: packageJson.version,
  coreRange: packageJson.peerDependencies["@tessera/core"],
  blocks: [SlackCredentials, SlackWebhook],
});

export * from "./errors/index.js";
export {
  type PostedMessage,
  type PostMessageInput,
  SlackCredentials,
} from "./slack-credentials.js";
export { SlackWebhook } from "./slack-webhook.js";
export { SLACK_LIMITS, type SlackMessagePart, splitMessage } from "./split-message.js";
