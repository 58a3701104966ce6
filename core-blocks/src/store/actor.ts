import { userInfo } from "node:os";
import { InvalidInputError } from "../errors/index.js";

/** The longest actor a revision records, in characters (UTF-16 code units). */
const maxActorLength = 200;

/**
 * Refuses an actor a store must not record: one that is not a string of 1–200 characters.
 * Every store calls this before it writes anything, so a refused write changes nothing.
 */
export function checkActor(actor: string | undefined): void {
  if (actor === undefined) return;
  if (typeof actor !== "string" || actor.length === 0 || actor.length > maxActorLength) {
    const length = typeof actor === "string" ? `${actor.length} characters` : typeof actor;
    throw new InvalidInputError({
      subject: "actor",
      message: `The actor of a revision must be text of 1 to ${maxActorLength} characters (got ${length}). Give a shorter name, such as "token:deploy-bot" or "user:alice", or leave it out.`,
    });
  }
}

/**
 * Who a write made by this process is recorded as: `TESSERA_ACTOR` when set, else
 * `user:<the operating-system user name>`. `undefined` when neither is known (a container user
 * without a passwd entry), so the revision records no actor. A `TESSERA_ACTOR` longer than 200
 * characters is refused with `INVALID_INPUT`, before anything is written.
 */
export function localActor(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = environment.TESSERA_ACTOR?.trim();
  if (configured) {
    if (configured.length > maxActorLength) {
      throw new InvalidInputError({
        subject: "TESSERA_ACTOR",
        message: `TESSERA_ACTOR is ${configured.length} characters long; the actor a revision records is at most ${maxActorLength}. Set a shorter name, such as "user:alice", or unset it to record the operating-system user.`,
      });
    }
    return configured;
  }
  osUserActor ??= readOsUserActor();
  return osUserActor || undefined;
}

/** `user:<name>` of the process's operating-system user, read once; `""` when there is none. */
let osUserActor: string | undefined;

function readOsUserActor(): string {
  try {
    const { username } = userInfo();
    return username ? `user:${username}`.slice(0, maxActorLength) : "";
  } catch {
    // A user id without a passwd entry (common in containers) has no name.
    return "";
  }
}
