/**
 * Azurite (Azure Blob Storage's emulator) in a child process on a free loopback port, with its
 * data in memory, stopped by the returned `stop()` (call it in `afterAll`). Starting it takes a
 * few seconds (most of it loading Azurite's modules), so a test file starts one and shares it,
 * each test in its own container.
 *
 * `--skipApiVersionCheck` is required: @azure/storage-blob 12.32 sends a newer API version than
 * Azurite 3.35 knows, and Azurite would refuse every call without it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = {
  accountName: "devstoreaccount1",
  accountKey:
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
} as const;

/** A running Azurite blob service. */
export interface Azurite {
  /** `http://127.0.0.1:<port>`: the server, for a fault proxy to stand in front of. */
  endpoint: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1`: the account's blob endpoint. */
  accountUrl: string;
  /** A connection string for the development account at this server. */
  connectionString: string;
  /** A connection string for the same account reached through another endpoint (a proxy). */
  connectionStringVia(endpoint: string): string;
  /** Creates containers (an existing one is left as it is). */
  createContainers(names: string[]): Promise<void>;
  /** Stops the server; its data, held in memory, is gone. */
  stop(): Promise<void>;
}

/** Options of `startAzurite`. */
export interface AzuriteOptions {
  /** Containers created once the server listens. @default [] */
  containers?: string[];
  /** Megabytes of blob content Azurite may hold in memory. @default 2048 */
  memoryLimitMegabytes?: number;
  /** How long to wait for it to listen, in ms. @default 60000 */
  startTimeoutMs?: number;
}

function connectionStringFor(accountUrl: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT.accountName};AccountKey=${AZURITE_ACCOUNT.accountKey};BlobEndpoint=${accountUrl};`;
}

/** Starts Azurite's blob service on a free loopback port, data in memory. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const main = createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      "0",
      "--inMemoryPersistence",
      "--extentMemoryLimit",
      String(options.memoryLimitMegabytes ?? 2048),
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--silent",
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  let output = "";
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `Azurite did not listen within ${options.startTimeoutMs ?? 60_000} ms:\n${output}`,
        ),
      );
    }, options.startTimeoutMs ?? 60_000);
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (listening?.[1]) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    };
    child.stdout?.on("data", onOutput);
    child.stderr?.on("data", onOutput);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (status ${code}) before listening:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();

  const accountUrl = `${endpoint}/${AZURITE_ACCOUNT.accountName}`;
  const azurite: Azurite = {
    endpoint,
    accountUrl,
    connectionString: connectionStringFor(accountUrl),
    connectionStringVia: (via) => connectionStringFor(`${via}/${AZURITE_ACCOUNT.accountName}`),
    async createContainers(names) {
      const { BlobServiceClient } = await import("@azure/storage-blob");
      const service = BlobServiceClient.fromConnectionString(connectionStringFor(accountUrl));
      for (const name of names) await service.getContainerClient(name).createIfNotExists();
    },
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const forced = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(forced);
      }
    },
  };
  try {
    await azurite.createContainers(options.containers ?? []);
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  return azurite;
}
