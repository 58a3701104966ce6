/**
 * The GCS emulator in a child process, for tests and benchmarks that measure the memory of the
 * process under test: the emulator keeps objects in memory, which must not count against it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { GcsEmulatorOptions } from "./gcs.js";

/** An emulator running in another process. */
export interface GcsEmulatorProcess {
  /** `http://127.0.0.1:<port>`, for the client's `apiEndpoint`. */
  endpoint: string;
  /** The child's process id. */
  pid: number;
  /** Stops the child. */
  stop(): Promise<void>;
}

const main = fileURLToPath(new URL("./gcs-main.ts", import.meta.url));
const packageDirectory = fileURLToPath(new URL("..", import.meta.url));

/** Starts `startGcsEmulator(options)` in a child process and answers once it listens. */
export async function startGcsEmulatorProcess(
  options: GcsEmulatorOptions = {},
): Promise<GcsEmulatorProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", main], {
    cwd: packageDirectory,
    env: { ...process.env, NODE_OPTIONS: "", GCS_EMULATOR_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n")[0];
      if (output.includes("\n") && line) resolve(line.trim());
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the GCS emulator exited with ${code}`)));
  });
  return {
    endpoint,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill();
      await exited;
    },
  };
}
