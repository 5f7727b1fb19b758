import { StemguardError } from "../../../lib/core/errors";
import { assertKeyId, collapsedId, MAX_ID_LENGTH } from "../../../lib/core/keyring/key-id";
import { parseLedger, serializeLedger } from "../../../lib/core/keyring/ledger-file";
import { applyStep, initLedger } from "../../../lib/core/keyring/steps";
import { materialVariableName } from "../../../lib/core/material/tf-var";
import { applyTlsStep, initTlsLedger } from "../../../lib/core/tls/ca-ledger";

const fp = (n: number) => Array.from({ length: 32 }, (_, i) => ((n * 37 + i) & 0xff).toString(16).padStart(2, "0").toUpperCase()).join(":");

describe("key and CA ids, refused where they enter the ledger", () => {
  test.each([".", "..", "...."])("refuses an id made only of dots: %j", (id) => {
    expect(() => assertKeyId(id)).toThrow(/key id is made only of dots/);
    expect(() => initLedger("hmac-sha256", id)).toThrow(/made only of dots/);
    expect(() => initTlsLedger(id, fp(1))).toThrow(/CA id is made only of dots/);
  });

  test("accepts 64 characters and refuses 65, saying the limit and why", () => {
    expect(() => assertKeyId("k".repeat(MAX_ID_LENGTH))).not.toThrow();
    const long = "k".repeat(MAX_ID_LENGTH + 1);
    expect(() => applyStep(initLedger("hmac-sha256", "k1"), "stage", long)).toThrow(/key id is 65 characters; at most 64 fit AWS Secrets Manager names \(with their prefix\), Kubernetes Secret keys/);
    // 64 fits: Secrets Manager names take 512 characters, Kubernetes Secret keys 253.
    expect(`${"p".repeat(200)}/keys/${"k".repeat(MAX_ID_LENGTH)}`.length).toBeLessThanOrEqual(512);
    expect(materialVariableName("prod/stem", "k".repeat(MAX_ID_LENGTH)).length).toBeLessThanOrEqual(253);
  });

  test("collapsedId is the name materialVariableName gives an id", () => {
    for (const id of ["k.1", "k-1", "k_1", "K1", "a.b-c_d"]) expect(materialVariableName("p", id)).toBe(`p_key_${collapsedId(id)}`);
    expect(new Set(["k.1", "k-1", "k_1"].map(collapsedId))).toEqual(new Set(["k_1"]));
  });

  test("refuses staging an id that collapses to a live or past id's name, in rotate and in a parsed file", () => {
    const l1 = initLedger("hmac-sha256", "k.1");
    expect(() => applyStep(l1, "stage", "k-1")).toThrow(/key id "k-1" and "k\.1" give the same Terraform variable and secret name \("k_1"/);
    const forged = JSON.parse(serializeLedger(applyStep(l1, "stage", "k2")));
    forged.history[1].keyId = "k_1";
    forged.keys[1].id = "k_1";
    expect(() => parseLedger(forged, "f")).toThrow(StemguardError);
    const ca = initTlsLedger("ca.1", fp(1));
    expect(() => applyTlsStep(ca, { op: "stage-ca", caId: "ca-1", caFingerprint256: fp(2) })).toThrow(/CA id "ca-1" and "ca\.1" give the same/);
  });
});

test("an id that may be material is never echoed in the error", () => {
  const secret = Buffer.alloc(32, 7).toString("base64");
  for (const id of [secret, `${secret}:prod`, "a".repeat(80)]) {
    let message = "";
    try {
      applyStep(initLedger("hmac-sha256", "k1"), "stage", id);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^stage keyId: key id (must match|is \d+ characters).*\(got "\(\d+ characters, not shown\)"\)/);
    expect(message).not.toContain(id.slice(0, 20));
  }
});
