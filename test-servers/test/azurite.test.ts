import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Azurite, startAzurite } from "../src/index.js";

let azurite: Azurite;
let startedInMs: number;
beforeAll(async () => {
  const started = performance.now();
  azurite = await startAzurite({ containers: ["probe"] });
  startedInMs = performance.now() - started;
});
afterAll(async () => {
  await azurite?.stop();
});

describe("startAzurite", () => {
  it("serves the development account on a free loopback port, with the containers asked for", async () => {
    expect(azurite.accountUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    expect(azurite.endpoint).not.toMatch(/:10000$/);
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = service.getContainerClient("probe");
    await container.getBlockBlobClient("hello.txt").upload("hello", 5);
    const body = await container.getBlobClient("hello.txt").downloadToBuffer();
    expect(body.toString()).toBe("hello");
    // Logged so a slow start shows in the output of the run that measured it.
    console.info(`Azurite listened after ${Math.round(startedInMs)} ms`);
  });

  it("stops: the port no longer answers, and stopping twice is harmless", async () => {
    await azurite.stop();
    await azurite.stop();
    await expect(fetch(`${azurite.accountUrl}?comp=list`)).rejects.toThrow();
  });
});
