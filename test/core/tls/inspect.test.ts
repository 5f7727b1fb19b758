import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StemguardError } from "../../../lib/core/errors";
import { generateCa, generateTlsBundle, issueLeaf, type CertifiedKey, type TlsBundle } from "../../../lib/core/tls/generate";
import { inspectCertificates } from "../../../lib/core/tls/inspect";
import { inspectTlsPath } from "../../../lib/core/tls/inspect-dir";
import { writeTlsBundle } from "../../../lib/core/tls/write-bundle";
import { describeWithOpenssl, openssl } from "../../support/openssl";

const DAY_MS = 86_400_000;

// Real material shared by the whole file: every RSA key costs ~150 ms of CPU.
let bundle: TlsBundle;
/** A CA with the same name as bundle's ("redis.internal-ca") but its own key. */
let sameNameOtherKey: CertifiedKey;
let otherCa: TlsBundle;

beforeAll(async () => {
  [bundle, sameNameOtherKey, otherCa] = await Promise.all([
    generateTlsBundle({ sans: "redis.internal,10.0.0.5,fd00::5", keySize: 2048, days: 100 }),
    generateCa({ commonName: "redis.internal-ca", keySize: 2048 }),
    generateTlsBundle({ sans: "elsewhere", keySize: 2048 }),
  ]);
});

describe("inspectCertificates", () => {
  test("reports subject, SANs by type, issuer, serial, validity, CA flag and key usages", () => {
    const now = new Date();
    const report = inspectCertificates(bundle.serverCertPem, { caPem: bundle.caCertPem, keyPem: bundle.serverKeyPem, now });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    const [cert] = report.certificates;
    expect(cert.commonName).toBe("redis.internal");
    expect(cert.issuerCommonName).toBe("redis.internal-ca");
    expect(cert.sans).toEqual({ dns: ["redis.internal"], ip: ["10.0.0.5", "fd00::5"], other: [] });
    expect(cert.extendedKeyUsage).toEqual(["serverAuth"]);
    expect(cert.keyUsage).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(cert.isCa).toBe(false);
    expect(cert.selfSigned).toBe(false);
    expect(cert.serialNumber).toMatch(/^[0-9A-F]{32}$/);
    expect(cert.daysLeft).toBe(99); // 100 days minus the seconds since issuing, floored
    expect(cert.publicKey).toEqual({ type: "rsa", bits: 2048 });
    expect(cert.chain).toMatchObject({ valid: true, anchorCommonName: "redis.internal-ca" });
    expect(cert.keyMatches).toBe(true);
    expect(JSON.stringify(report)).not.toMatch(/PRIVATE KEY/);
  });

  test("a CA inspected against itself is a valid self-signed anchor", () => {
    const [ca] = inspectCertificates(bundle.caCertPem, { caPem: bundle.caCertPem }).certificates;
    expect(ca).toMatchObject({ isCa: true, selfSigned: true, keyUsage: ["keyCertSign", "cRLSign"], extendedKeyUsage: [] });
    expect(ca.chain?.valid).toBe(true);
  });

  test("reads every certificate of a PEM bundle and accepts a multi-CA trust bundle", () => {
    const report = inspectCertificates(bundle.serverCertPem + otherCa.clientCertPem, { caPem: otherCa.caCertPem + bundle.caCertPem });
    expect(report.certificates.map((c) => [c.commonName, c.chain?.anchorCommonName])).toEqual([
      ["redis.internal", "redis.internal-ca"],
      ["stem-client", "elsewhere-ca"],
    ]);
    // Both chains verify; only the order fails: a second leaf cannot follow the first in a chain file.
    expect(report.problems.map((p) => p.code)).toEqual(["leaf-not-first"]);
  });

  test("fails the verdict on a chain to another CA, naming the issuer", () => {
    const report = inspectCertificates(bundle.serverCertPem, { caPem: otherCa.caCertPem });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { code: "chain-invalid", certificate: 0, message: expect.stringMatching(/issuer "redis\.internal-ca" is not among the trusted CAs \("elsewhere-ca"\)/) },
    ]);
  });

  test("fails the verdict when a CA of the same name but another key is trusted (a regenerated CA)", () => {
    expect(new X509Certificate(sameNameOtherKey.certPem).subject).toBe(new X509Certificate(bundle.caCertPem).subject);
    const report = inspectCertificates(bundle.serverCertPem, { caPem: sameNameOtherKey.certPem });
    expect(report.problems.map((p) => p.code)).toEqual(["chain-invalid"]);
    expect(report.certificates[0].chain?.reason).toMatch(/signature does not verify .*regenerated/);
  });

  test("fails the verdict on a key that does not belong to the certificate", () => {
    const report = inspectCertificates(bundle.serverCertPem, { keyPem: bundle.clientKeyPem });
    expect(report.certificates[0].keyMatches).toBe(false);
    expect(report.problems.map((p) => p.code)).toEqual(["key-mismatch"]);
  });

  test("fails the verdict when expiring within warnDays, expired, or not yet valid", () => {
    const in90 = new Date(Date.now() + 90 * DAY_MS);
    expect(inspectCertificates(bundle.serverCertPem, { now: in90, warnDays: 9 }).ok).toBe(true);
    const warned = inspectCertificates(bundle.serverCertPem, { now: in90, warnDays: 30 });
    expect(warned.problems).toEqual([{ code: "expiring", certificate: 0, message: expect.stringMatching(/"redis\.internal" expires in 9 days/) }]);
    const later = inspectCertificates(bundle.serverCertPem, { now: new Date(Date.now() + 101 * DAY_MS) });
    expect(later.certificates[0]).toMatchObject({ expired: true, expiringSoon: false, daysLeft: -2 });
    expect(later.problems.map((p) => p.code)).toEqual(["expired"]);
    const before = inspectCertificates(bundle.serverCertPem, { now: new Date(Date.now() - DAY_MS) });
    expect(before.problems.map((p) => p.code)).toEqual(["not-yet-valid"]);
  });

  test("fails the chain when the issuing CA itself has expired", async () => {
    const oldCa = await generateCa({ commonName: "old-ca", keySize: 2048, days: 1, notBefore: new Date(Date.now() - 5 * DAY_MS) });
    const leaf = await issueLeaf({ kind: "client", ca: oldCa, keySize: 2048 });
    const report = inspectCertificates(leaf.certPem, { caPem: oldCa.certPem });
    expect(report.certificates[0].expired).toBe(false);
    expect(report.certificates[0].chain?.reason).toMatch(/issuing CA "old-ca" expired on/);
  });

  test.each([
    ["no certificate", () => inspectCertificates("hello"), /^pem: no PEM certificate found/],
    ["a broken certificate", () => inspectCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"), /^pem: certificate #1 does not parse/],
    ["a negative warnDays", () => inspectCertificates("x", { warnDays: -1 }), /^warnDays: warn days must be/],
  ])("fails on %s with a StemguardError", (_name, run, pattern) => {
    expect(run).toThrow(StemguardError);
    expect(run).toThrow(pattern);
  });

  test("fails on a key that is not a private key, without echoing it", () => {
    const run = () => inspectCertificates(bundle.serverCertPem, { keyPem: "-----BEGIN PRIVATE KEY-----\nsecretbytes\n-----END PRIVATE KEY-----" });
    expect(run).toThrow(/^keyPem: not a readable private key/);
    let message = "";
    try {
      run();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toMatch(/secretbytes/);
  });

  describeWithOpenssl("against openssl-made certificates", () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-inspect-"));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("reads an EC certificate with SAN types and usages as openssl prints them", () => {
      openssl(
        [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ec.key", "-out", "ec.crt",
          "-days", "10", "-subj", "/O=Acme/CN=ec.example",
          "-addext", "subjectAltName=DNS:ec.example,IP:192.0.2.1,IP:2001:db8::1,email:ops@example.com",
          "-addext", "keyUsage=critical,digitalSignature,keyAgreement",
          "-addext", "extendedKeyUsage=serverAuth,clientAuth,codeSigning",
        ],
        { cwd: dir },
      );
      const pem = fs.readFileSync(path.join(dir, "ec.crt"), "utf8");
      const [cert] = inspectCertificates(pem, { keyPem: fs.readFileSync(path.join(dir, "ec.key"), "utf8") }).certificates;
      expect(cert.commonName).toBe("ec.example");
      expect(cert.sans).toEqual({ dns: ["ec.example"], ip: ["192.0.2.1", "2001:db8::1"], other: ["email:ops@example.com"] });
      expect(cert.keyUsage).toEqual(["digitalSignature", "keyAgreement"]);
      expect(cert.extendedKeyUsage).toEqual(["serverAuth", "clientAuth", "codeSigning"]);
      expect(cert.publicKey).toEqual({ type: "ec", curve: "prime256v1" });
      expect(cert.keyMatches).toBe(true);
      const serial = openssl(["x509", "-noout", "-serial", "-in", "ec.crt"], { cwd: dir }).trim();
      expect(`serial=${cert.serialNumber}`).toBe(serial);
      const fp = openssl(["x509", "-noout", "-fingerprint", "-sha256", "-in", "ec.crt"], { cwd: dir }).trim();
      expect(fp).toBe(`sha256 Fingerprint=${cert.fingerprint256}`);
    });

    test("follows an intermediate CA found in the inspected text", () => {
      const run = (args: string[]) => openssl(args, { cwd: dir });
      fs.writeFileSync(path.join(dir, "v3.cnf"), "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n[leaf]\nbasicConstraints=CA:FALSE\nsubjectAltName=DNS:leaf.example\nauthorityKeyIdentifier=keyid\n");
      run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.crt", "-days", "5", "-subj", "/CN=root"]);
      run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr", "-subj", "/CN=intermediate"]);
      run(["x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-out", "int.crt", "-days", "5", "-extfile", "v3.cnf", "-extensions", "ca"]);
      run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=leaf.example"]);
      run(["x509", "-req", "-in", "leaf.csr", "-CA", "int.crt", "-CAkey", "int.key", "-CAcreateserial", "-out", "leaf.crt", "-days", "5", "-extfile", "v3.cnf", "-extensions", "leaf"]);
      const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
      const chain = inspectCertificates(read("leaf.crt") + read("int.crt"), { caPem: read("root.crt") });
      expect(chain.certificates.map((c) => c.chain?.valid)).toEqual([true, true]);
      const alone = inspectCertificates(read("leaf.crt"), { caPem: read("root.crt") });
      expect(alone.certificates[0].chain?.reason).toMatch(/issuer "intermediate" is not among the trusted CAs \("root"\)/);
    });
  });
});

describe("inspectTlsPath", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-inspect-dir-"));
    writeTlsBundle(dir, bundle);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a directory checks ca/server/client against ca.crt and each key against its certificate", () => {
    const report = inspectTlsPath(dir);
    expect(report.ok).toBe(true);
    expect(report.caFile).toBe(path.join(dir, "ca.crt"));
    expect(report.files.map((f) => [path.basename(f.file), f.keyFile && path.basename(f.keyFile), f.report.certificates[0].keyMatches])).toEqual([
      ["ca.crt", "ca.key", true],
      ["server.crt", "server.key", true],
      ["client.crt", "client.key", true],
    ]);
  });

  test("a swapped key in a directory fails the verdict for that file", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-swap-"));
    try {
      for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      fs.copyFileSync(path.join(dir, "client.key"), path.join(copy, "server.key"));
      const report = inspectTlsPath(copy);
      expect(report.problems.map((p) => [path.basename(p.file), p.code])).toEqual([["server.crt", "key-mismatch"]]);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  test("a single file checks --ca and --key only when given", () => {
    const server = path.join(dir, "server.crt");
    expect(inspectTlsPath(server).files[0].report.certificates[0].chain).toBeUndefined();
    const full = inspectTlsPath(server, { caFile: path.join(dir, "ca.crt"), keyFile: path.join(dir, "server.key") });
    expect(full.files[0].report.certificates[0]).toMatchObject({ chain: { valid: true }, keyMatches: true });
  });

  test("fails on a missing path, an empty directory, and --key with a directory", () => {
    expect(() => inspectTlsPath(path.join(dir, "nope"))).toThrow(/^PATH: does not exist/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-empty-"));
    try {
      expect(() => inspectTlsPath(empty)).toThrow(/^PATH: no ca\.crt, server\.crt or client\.crt/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(() => inspectTlsPath(dir, { keyFile: path.join(dir, "server.key") })).toThrow(/^--key: --key applies to a single certificate file/);
  });

  test("fails naming the file when a certificate file is not PEM", () => {
    const bad = path.join(dir, "..", `${path.basename(dir)}-bad.crt`);
    fs.writeFileSync(bad, "not a cert");
    try {
      expect(() => inspectTlsPath(bad)).toThrow(`${bad}: no PEM certificate found`);
    } finally {
      fs.rmSync(bad);
    }
  });
});
