import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { certificateExpiry } from "../../../lib/core/tls/expiry";
import { generateTlsBundle } from "../../../lib/core/tls/generate";
import type { TlsBundle } from "../../../lib/core/tls/types";
import { openssl, testWithOpenssl } from "../../support/openssl";

const DAY = 86_400_000;
let long: TlsBundle;
let short: TlsBundle;

beforeAll(async () => {
  long = await generateTlsBundle({ sans: "redis.internal", keySize: 2048, days: 90 });
  short = await generateTlsBundle({ sans: "redis.internal", keySize: 2048, days: 10, notBefore: new Date(Date.now() - 2 * DAY) });
});

describe("certificateExpiry", () => {
  test("gives notAfter, whole days left and the subject, agreeing with node:crypto", () => {
    const x = new X509Certificate(long.serverCertPem);
    const now = new Date(Date.parse(x.validTo) - 12.5 * DAY);
    const expiry = certificateExpiry(long.serverCertPem, now);
    expect(expiry).toEqual({
      subject: x.subject,
      commonName: "redis.internal",
      fingerprint256: x.fingerprint256,
      notAfter: new Date(x.validTo).toISOString(),
      daysLeft: 12, // rounded down
    });
  });

  // Only a missing openssl skips; an openssl that runs and fails fails the test.
  testWithOpenssl("agrees with openssl on notAfter", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-expiry-"));
    try {
      fs.writeFileSync(path.join(dir, "c.crt"), long.clientCertPem);
      const out = openssl(["x509", "-noout", "-enddate", "-in", "c.crt"], { cwd: dir });
      expect(certificateExpiry(long.clientCertPem).notAfter).toBe(new Date(out.trim().replace(/^notAfter=/, "")).toISOString());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("in a bundle, reports the certificate that expires first", () => {
    const trustBundle = long.caCertPem + short.caCertPem + long.serverCertPem;
    const expiry = certificateExpiry(trustBundle);
    expect(expiry.fingerprint256).toBe(new X509Certificate(short.caCertPem).fingerprint256);
    expect(expiry.daysLeft).toBe(7); // 10 days from two days ago, minus the part of today gone
  });

  test("goes negative once expired", () => {
    const x = new X509Certificate(short.serverCertPem);
    expect(certificateExpiry(short.serverCertPem, new Date(Date.parse(x.validTo) + 3 * DAY + 1000)).daysLeft).toBe(-4);
  });

  test("fails on text without a certificate, and never echoes a key passed by mistake", () => {
    expect(() => certificateExpiry(long.serverKeyPem)).toThrow(/no PEM certificate found/);
    try {
      certificateExpiry(long.serverKeyPem);
    } catch (err) {
      expect((err as Error).message).not.toContain(long.serverKeyPem.split("\n")[1]);
    }
  });
});
