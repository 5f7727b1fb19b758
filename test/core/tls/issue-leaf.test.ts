import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StemguardError } from "../../../lib/core/errors";
import { generateCa, generateTlsBundle, issueLeaf, type CertifiedKey, type TlsBundle } from "../../../lib/core/tls/generate";
import { decodeExtensions } from "../../../lib/core/tls/x509-extensions";
import { describeWithOpenssl, opensslStatus } from "../../support/openssl";

describe("generateCa and issueLeaf (CA rotation and renewal)", () => {
  let oldBundle: TlsBundle;
  let newCa: CertifiedKey;
  let server: CertifiedKey;
  let client: CertifiedKey;

  beforeAll(async () => {
    [oldBundle, newCa] = await Promise.all([
      generateTlsBundle({ sans: "redis,127.0.0.1", keySize: 2048 }),
      generateCa({ commonName: "redis-ca-2027", keySize: 2048, days: 730 }),
    ]);
    [server, client] = await Promise.all([
      issueLeaf({ kind: "server", ca: newCa, sans: "redis,127.0.0.1", keySize: 2048, days: 90 }),
      issueLeaf({ kind: "client", ca: newCa, keySize: 2048 }),
    ]);
  });

  test("a new CA is a self-signed CA with the CA profile", () => {
    const ca = new X509Certificate(newCa.certPem);
    expect(ca.subject).toBe("CN=redis-ca-2027");
    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca) && ca.verify(ca.publicKey)).toBe(true);
    expect(decodeExtensions(ca.raw).keyUsage).toEqual(["keyCertSign", "cRLSign"]);
  });

  test("leaves issued by the new CA verify with it, not with the old one; AKI is the issuer's SKI", () => {
    const ca = new X509Certificate(newCa.certPem);
    const old = new X509Certificate(oldBundle.caCertPem);
    for (const leaf of [server, client]) {
      const cert = new X509Certificate(leaf.certPem);
      expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
      expect(cert.verify(old.publicKey)).toBe(false);
      expect(decodeExtensions(cert.raw).authorityKeyId).toBe(decodeExtensions(ca.raw).subjectKeyId);
    }
    expect(new X509Certificate(server.certPem).subject).toBe("CN=redis");
    expect(new X509Certificate(server.certPem).subjectAltName).toBe("DNS:redis, IP Address:127.0.0.1");
    expect(new X509Certificate(client.certPem).subject).toBe("CN=stem-client");
  });

  describeWithOpenssl("openssl", () => {
    test("verifies reissued leaves against a two-CA trust bundle and against the new CA alone, not the old CA alone", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-leaf-"));
      try {
        fs.writeFileSync(path.join(dir, "bundle.crt"), oldBundle.caCertPem + newCa.certPem);
        fs.writeFileSync(path.join(dir, "old.crt"), oldBundle.caCertPem);
        fs.writeFileSync(path.join(dir, "new.crt"), newCa.certPem);
        fs.writeFileSync(path.join(dir, "server.crt"), server.certPem);
        fs.writeFileSync(path.join(dir, "old-server.crt"), oldBundle.serverCertPem);
        const verify = (ca: string, leaf: string) => opensslStatus(["verify", "-CAfile", ca, leaf], { cwd: dir }).status;
        expect(verify("bundle.crt", "server.crt")).toBe(0);
        expect(verify("bundle.crt", "old-server.crt")).toBe(0);
        expect(verify("new.crt", "server.crt")).toBe(0);
        expect(verify("old.crt", "server.crt")).not.toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  test("fails when the issuing certificate is not a CA", async () => {
    const leafAsCa = { certPem: oldBundle.serverCertPem, keyPem: oldBundle.serverKeyPem };
    await expect(issueLeaf({ kind: "client", ca: leafAsCa, keySize: 2048 })).rejects.toThrow(/ca\.certPem: this certificate is not a CA.*Fix: pass the CA certificate/);
  });

  test("fails when the CA key does not belong to the CA certificate", async () => {
    const mixed = { certPem: oldBundle.caCertPem, keyPem: newCa.keyPem };
    await expect(issueLeaf({ kind: "client", ca: mixed, keySize: 2048 })).rejects.toThrow(/ca\.keyPem: the CA key does not belong/);
  });

  test("fails for a server leaf without SANs and for an unknown kind", async () => {
    await expect(issueLeaf({ kind: "server", ca: newCa, keySize: 2048 })).rejects.toThrow(StemguardError);
    await expect(issueLeaf({ kind: "server", ca: newCa, keySize: 2048 })).rejects.toThrow(/^sans: a server certificate needs subjectAltNames/);
    await expect(issueLeaf({ kind: "peer" as "server", ca: newCa })).rejects.toThrow(/^kind: leaf kind must be/);
  });

  test("fails on a CA common name that is empty", async () => {
    await expect(generateCa({ commonName: "" })).rejects.toThrow(/^commonName: common name must be/);
  });
});
