import { InvalidInputError } from "../errors/index.js";
import type { NotifyMessage } from "./notifier.js";

/** Throws `INVALID_INPUT` unless `message` has a string body, an optional string subject and optional blocks. */
export function checkNotifyMessage(message: unknown): asserts message is NotifyMessage {
  const fail = (problem: string): never => {
    throw new InvalidInputError({
      subject: "message",
      message: `A notification message ${problem}: give { subject?: string, body: string, blocks?: object[] }.`,
    });
  };
  if (typeof message !== "object" || message === null) return fail("must be an object");
  const { subject, body, blocks } = message as Record<string, unknown>;
  if (typeof body !== "string") fail("needs a body string");
  if (subject !== undefined && typeof subject !== "string")
    fail("has a subject that is not a string");
  if (
    blocks !== undefined &&
    (!Array.isArray(blocks) ||
      blocks.some((block) => typeof block !== "object" || block === null || Array.isArray(block)))
  ) {
    fail("has blocks that are not an array of objects");
  }
  if (
    (body as string).length === 0 &&
    (subject ?? "") === "" &&
    ((blocks as unknown[] | undefined)?.length ?? 0) === 0
  ) {
    fail("is empty");
  }
}
