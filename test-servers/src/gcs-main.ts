// Runs the GCS emulator in this process (see gcs-process.ts) and prints its endpoint.
import { startGcsEmulator } from "./gcs.js";

const emulator = await startGcsEmulator(JSON.parse(process.env.GCS_EMULATOR_OPTIONS ?? "{}"));
process.stdout.write(`${emulator.endpoint}\n`);
