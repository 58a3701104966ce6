/**
 * GCS benchmark: `ResultStore` put + get of a 100 MB result on a `GcsBucket`, beside the bare
 * client library (`file.save` + `file.download`) moving the same bytes to the same emulator in the
 * same run; and the memory a `GcsBucket` upload of 100 MB holds. The emulator runs in a child
 * process, so the measured process holds only the client side.
 */
import { Storage } from "@google-cloud/storage";
import { startGcsEmulatorProcess } from "@tessera/test-servers";
import type { BenchSuite } from "../../../bench/harness.js";
import { drain, storageBenchCases, wholePayload } from "../../../bench/storage-cases.js";
import { GcsBucket } from "../src/index.js";

const bucketName = "bench";

export default async function gcsBench(): Promise<BenchSuite> {
  const emulator = await startGcsEmulatorProcess({ buckets: [bucketName] });
  const credentials = { apiEndpoint: emulator.endpoint, project: "bench-project" };
  const bucket = (bucketFolder: string) =>
    new GcsBucket({ bucket: bucketName, bucketFolder, credentials });
  const sdk = new Storage({ apiEndpoint: emulator.endpoint, projectId: "bench-project" });
  const bare = sdk.bucket(bucketName).file("bare/result");
  const whole = wholePayload();

  return {
    cases: storageBenchCases({
      block: "GcsBucket",
      server: "GCS emulator",
      uploadSettings: "default chunk size",
      storage: bucket("tessera"),
      memoryStorage: bucket("memory"),
      floor: async () => {
        await bare.save(whole);
        await drain(bare.createReadStream());
      },
    }),
    teardown: async () => {
      await emulator.stop();
    },
  };
}
