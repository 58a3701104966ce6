/** What to do about each error Slack answers, by its code. */
const ADVICE: Record<string, string> = {
  invalid_payload:
    "The message was not valid JSON for Slack: check the blocks you passed against Block Kit.",
  invalid_blocks: "Slack refused the blocks: check them in Block Kit Builder.",
  invalid_blocks_format: "Slack refused the blocks: pass an array of Block Kit blocks.",
  no_text: "The message was empty: give a body or blocks.",
  msg_too_long: "The message is too long for Slack: shorten it.",
  user_not_found: "The user the webhook posts to no longer exists: create a new webhook.",
  channel_not_found:
    "The channel does not exist or the app is not in it: correct the channel, invite the app, or create a new webhook.",
  not_in_channel: "Invite the app to the channel (/invite @app), then send again.",
  channel_is_archived: "The channel is archived: unarchive it, or post somewhere else.",
  is_archived: "The channel is archived: unarchive it, or post somewhere else.",
  action_prohibited:
    "A workspace admin restricted posting to this channel: ask them, or post elsewhere.",
  posting_to_general_channel_denied:
    "Only admins may post to this channel: choose another channel for the webhook.",
  restricted_action: "A workspace admin restricted this action: ask them, or post elsewhere.",
  no_service:
    "The webhook was removed or revoked: create a new incoming webhook in the Slack app and save its URL in the block.",
  no_service_id: "The webhook URL is incomplete: copy it again from the Slack app.",
  no_team: "The workspace of the webhook no longer exists: create a new webhook.",
  team_disabled: "The workspace of the webhook is disabled.",
  no_active_hooks: "The app's incoming webhooks are turned off: turn them on in the Slack app.",
  invalid_token: "The webhook's token is not valid: create a new webhook.",
  not_authed: "No token was sent: set the block's token.",
  invalid_auth: "The token is not valid: save a current token (xoxb-…) in the block.",
  account_inactive: "The token's user or app was deactivated: save a current token.",
  token_revoked: "The token was revoked: save a current token in the block.",
  token_expired: "The token expired: save a current token in the block.",
  missing_scope:
    "The token lacks a scope this call needs (chat:write, channels:read): add it to the app and reinstall.",
  ratelimited: "Slack rate-limited the call: send again later.",
  rollup_error: "Slack failed internally: send again later.",
};

/** The closing advice for Slack's error `code`. */
export function slackErrorAdvice(code: string): string {
  return (
    ADVICE[code] ??
    "See Slack's documentation of this error, correct the block or the message, and send again."
  );
}
