import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { applyTlsStep, fingerprint256Of, initTlsLedger } from "../../../lib/core/tls/ca-ledger";
import { DEFAULT_TLS_LEDGER_FILE, readTlsLedgerFile, writeTlsLedgerFile } from "../../../lib/core/tls/ca-ledger-file";
import { generateCa, type CertifiedKey } from "../../../lib/core/tls/generate";
import { inspectCertificates } from "../../../lib/core/tls/inspect";
import { renderTrustBundle } from "../../../lib/core/tls/trust-bundle";

describe("renderTrustBundle and the ledger file", () => {
  let caA: CertifiedKey;
  let caB: CertifiedKey;
  beforeAll(async () => {
    [caA, caB] = await Promise.all([generateCa({ commonName: "ca-a", keySize: 2048 }), generateCa({ commonName: "ca-b", keySize: 2048 })]);
  });

  test("renders the phase's CAs in ledger order, checked against the recorded fingerprints", () => {
    const l1 = initTlsLedger("a", fingerprint256Of(caA.certPem));
    const l2 = applyTlsStep(l1, { op: "stage-ca", caId: "b", caFingerprint256: fingerprint256Of(caB.certPem) });
    const l4 = applyTlsStep(applyTlsStep(l2, { op: "reissue-leaves" }), { op: "retire-ca", caId: "a" });
    const pems = { a: caA.certPem, b: caB.certPem };
    expect(inspectCertificates(renderTrustBundle(l1, pems)).certificates.map((c) => c.commonName)).toEqual(["ca-a"]);
    expect(inspectCertificates(renderTrustBundle(l2, pems)).certificates.map((c) => c.commonName)).toEqual(["ca-a", "ca-b"]);
    expect(renderTrustBundle(l4, { b: caB.certPem })).toBe(caB.certPem.trim() + "\n");
  });

  test("fails on a missing or swapped CA certificate", () => {
    const l2 = applyTlsStep(initTlsLedger("a", fingerprint256Of(caA.certPem)), { op: "stage-ca", caId: "b", caFingerprint256: fingerprint256Of(caB.certPem) });
    expect(() => renderTrustBundle(l2, { a: caA.certPem })).toThrow(/^caCertPems\.b: no certificate given for CA "b"/);
    expect(() => renderTrustBundle(l2, { a: caB.certPem, b: caB.certPem })).toThrow(/^caCertPems\.a: certificate does not match the ledger's fingerprint/);
    expect(() => renderTrustBundle(l2, { a: "junk", b: caB.certPem })).toThrow(/^caCertPems\.a: not a PEM certificate/);
  });

  test("the ledger file is written atomically and read back validated", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-ledger-"));
    try {
      const file = path.join(dir, DEFAULT_TLS_LEDGER_FILE);
      const ledger = initTlsLedger("a", fingerprint256Of(caA.certPem));
      writeTlsLedgerFile(file, ledger);
      expect(readTlsLedgerFile(file)).toEqual(ledger);
      expect(fs.readdirSync(dir)).toEqual(["stemguard.tls.json"]);
      expect(fs.readFileSync(file, "utf8")).not.toMatch(/PRIVATE KEY|BEGIN/);
      fs.writeFileSync(file, "{");
      expect(() => readTlsLedgerFile(file)).toThrow(/ledger is not valid JSON/);
      expect(() => readTlsLedgerFile(path.join(dir, "missing.json"))).toThrow(/^--ledger: ledger file does not exist/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
