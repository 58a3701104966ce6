import type { JsonObject, NotifyMessage } from "@tessera/core";

/**
 * Slack's message limits that splitting keeps under: `text` above 40,000 characters is truncated,
 * a section's text above 3,000 and a header above 150 are `invalid_blocks`, a message holds 50
 * blocks, and a message's blocks together fail (`msg_blocks_too_long`, undocumented) at about
 * 12–13 thousand characters, so a part stays below 12,000.
 */
export const SLACK_LIMITS = {
  textCharacters: 40_000,
  sectionCharacters: 3_000,
  headerCharacters: 150,
  blocksPerMessage: 50,
  blockCharactersPerMessage: 12_000,
} as const;

/** One message to post: the plain-text fallback and its blocks. */
export interface SlackMessagePart {
  text: string;
  blocks: JsonObject[];
}

interface Piece {
  block: JsonObject;
  /** Its text, for the fallback. */
  text: string;
  /** What it counts against the per-message block characters. */
  size: number;
}

/** Cuts `text` into chunks of at most `limit` characters, at a line break when one is near. */
function chunkText(text: string, limit: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf("\n", limit);
    if (cut < limit / 2) cut = limit;
    // Never cut a surrogate pair in two.
    const code = rest.charCodeAt(cut - 1);
    if (cut === limit && code >= 0xd800 && code <= 0xdbff) cut -= 1;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(rest[cut] === "\n" ? cut + 1 : cut);
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

function section(text: string): Piece {
  return {
    block: { type: "section", text: { type: "mrkdwn", text } },
    text,
    size: text.length,
  };
}

/**
 * Splits a notification into Slack messages, in order, rather than truncating it: the subject as
 * a header (a section when longer than a header allows), the body as mrkdwn sections of at most
 * 3,000 characters, then the message's own blocks unchanged, packed into parts of at most 50
 * blocks and 12,000 block characters, each with its text as the plain-text fallback.
 */
export function splitMessage(message: NotifyMessage): SlackMessagePart[] {
  const pieces: Piece[] = [];
  const subject = message.subject ?? "";
  if (subject !== "") {
    if (subject.length <= SLACK_LIMITS.headerCharacters) {
      pieces.push({
        block: { type: "header", text: { type: "plain_text", text: subject } },
        text: subject,
        size: subject.length,
      });
    } else {
      for (const chunk of chunkText(subject, SLACK_LIMITS.sectionCharacters))
        pieces.push(section(chunk));
    }
  }
  for (const chunk of chunkText(message.body, SLACK_LIMITS.sectionCharacters))
    pieces.push(section(chunk));
  for (const block of message.blocks ?? []) {
    pieces.push({ block, text: "", size: JSON.stringify(block).length });
  }
  const parts: SlackMessagePart[] = [];
  let current: Piece[] = [];
  let size = 0;
  const flush = () => {
    if (current.length === 0) return;
    const text = current
      .map((piece) => piece.text)
      .filter((text) => text !== "")
      .join("\n");
    parts.push({
      text: (text === "" ? subject || "(message)" : text).slice(0, SLACK_LIMITS.textCharacters),
      blocks: current.map((piece) => piece.block),
    });
    current = [];
    size = 0;
  };
  for (const piece of pieces) {
    if (
      current.length === SLACK_LIMITS.blocksPerMessage ||
      (current.length > 0 && size + piece.size > SLACK_LIMITS.blockCharactersPerMessage)
    ) {
      flush();
    }
    current.push(piece);
    size += piece.size;
  }
  flush();
  return parts;
}
