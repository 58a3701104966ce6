import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StsEmulator, startStsEmulator } from "../src/index.js";

let sts: StsEmulator;
beforeAll(async () => {
  sts = await startStsEmulator({ deniedRoleArns: ["arn:aws:iam::111122223333:role/Denied"] });
});
afterAll(async () => {
  await sts?.stop();
});

function assumeRole(roleArn: string, signed = true) {
  return fetch(sts.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(signed ? { authorization: "AWS4-HMAC-SHA256 Credential=AKIABASE/x/us-east-1/sts" } : {}),
    },
    body: new URLSearchParams({
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: roleArn,
      RoleSessionName: "probe",
      DurationSeconds: "900",
    }),
  });
}

describe("the STS emulator", () => {
  it("answers AssumeRole with the credentials it issues and records the parameters", async () => {
    const response = await assumeRole("arn:aws:iam::111122223333:role/Reader");
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain(`<AccessKeyId>${sts.issued.accessKeyId}</AccessKeyId>`);
    expect(body).toContain(`<SessionToken>${sts.issued.sessionToken}</SessionToken>`);
    expect(body).toContain("assumed-role/Reader/probe");
    expect(sts.requests.at(-1)?.params).toMatchObject({
      RoleSessionName: "probe",
      DurationSeconds: "900",
    });
  });

  it("refuses denied roles and unsigned requests with a 403 ErrorResponse", async () => {
    const denied = await assumeRole("arn:aws:iam::111122223333:role/Denied");
    expect(denied.status).toBe(403);
    expect(await denied.text()).toMatch(/<Code>AccessDenied<\/Code>.*role\/Denied/);
    const unsigned = await assumeRole("arn:aws:iam::111122223333:role/Reader", false);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain("<Code>MissingAuthenticationToken</Code>");
  });
});
