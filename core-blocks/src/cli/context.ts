import { type BlockStore, getDefaultStore } from "../store/index.js";
import type { Output } from "./output.js";

/** What every command gets: where to write, the store, the environment and standard input. */
export interface CliContext {
  /** Where the command writes. */
  output: Output;
  /** The default store (chosen from the environment), opened on first call and closed at exit. */
  store(): Promise<BlockStore>;
  /** The process environment. */
  environment: NodeJS.ProcessEnv;
  /** Standard input, for `--from-file -` and piped secrets. */
  stdin: NodeJS.ReadStream;
}

/** Creates the context of one run. `close()` releases the store if a command opened it. */
export function createContext(output: Output): CliContext & { close(): Promise<void> } {
  let opened: Promise<BlockStore> | undefined;
  return {
    output,
    environment: process.env,
    stdin: process.stdin,
    store() {
      opened ??= getDefaultStore();
      return opened;
    },
    async close() {
      if (!opened) return;
      const store = await opened.catch(() => undefined);
      await store?.close();
    },
  };
}
