import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { StemguardError } from "../../../lib/core/errors";
import { generateTlsBundle, type TlsBundle, type TlsProgressEvent } from "../../../lib/core/tls/generate";
import { writeTlsBundle } from "../../../lib/core/tls/write-bundle";
import { describeWithOpenssl, openssl, opensslStatus, testWithOpenssl } from "../../support/openssl";

// Key generation itself is under test here: fresh keys from node:crypto, not the test pool (test/support/rsa-pool.js).
(globalThis as { __stemguardRealRsaKeys?: boolean }).__stemguardRealRsaKeys = true;

const DAY_MS = 86_400_000;

/** `openssl x509 -noout -ext ...` output as { "X509v3 Subject Alternative Name": "DNS:..., IP Address:..." }. */
function opensslExtensions(file: string, names: string): Record<string, string> {
  const text = openssl(["x509", "-noout", "-in", file, "-ext", names]);
  const out: Record<string, string> = {};
  let current = "";
  for (const line of text.split("\n")) {
    if (/^X509v3 /.test(line)) {
      current = line.trim().replace(/:$/, "");
      out[current] = "";
    } else if (current && line.trim()) {
      out[current] = (out[current] ? `${out[current]}, ` : "") + line.trim();
    }
  }
  return out;
}

/**
 * One `openssl x509` run for subject (RFC 2253), serial, validity dates and
 * the text dump: `key=value` lines by key, and the whole output as `text`.
 */
function opensslCertFields(file: string): { fields: Record<string, string>; text: string } {
  const text = openssl(["x509", "-noout", "-in", file, "-nameopt", "RFC2253", "-subject", "-serial", "-startdate", "-enddate", "-text"]);
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^(subject|serial|notBefore|notAfter)=(.*)$/.exec(line);
    if (match) fields[match[1]] = match[2];
  }
  return { fields, text };
}

describe("generateTlsBundle", () => {
  let bundle: TlsBundle;
  let dir: string;
  const events: TlsProgressEvent[] = [];

  beforeAll(async () => {
    bundle = await generateTlsBundle({
      sans: "redis.internal, localhost,127.0.0.1,::1",
      keySize: 2048,
      clientCn: "worker-7",
      onProgress: (e) => events.push(e),
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-gen-"));
    writeTlsBundle(path.join(dir, "certs"), bundle);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("subjects follow upstream: CA <primary>-ca, server <primary>, client CLIENT_CN", () => {
    const ca = new X509Certificate(bundle.caCertPem);
    const server = new X509Certificate(bundle.serverCertPem);
    const client = new X509Certificate(bundle.clientCertPem);
    expect(ca.subject).toBe("CN=redis.internal-ca");
    expect(ca.issuer).toBe("CN=redis.internal-ca");
    expect(server.subject).toBe("CN=redis.internal");
    expect(server.issuer).toBe("CN=redis.internal-ca");
    expect(client.subject).toBe("CN=worker-7");
    expect(client.issuer).toBe("CN=redis.internal-ca");
    expect([ca.ca, server.ca, client.ca]).toEqual([true, false, false]);
  });

  test("server SANs are DNS and IP entries, not upstream's IPs-as-DNS; EKUs per leaf", () => {
    const server = new X509Certificate(bundle.serverCertPem);
    const client = new X509Certificate(bundle.clientCertPem);
    expect(server.subjectAltName).toBe("DNS:redis.internal, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(server.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // Node's keyUsage lists EKU OIDs
    expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(client.subjectAltName).toBeUndefined();
  });

  test("keys are unencrypted PKCS#8 PEM of the requested size and match their certificates", () => {
    for (const [cert, key] of [
      [bundle.caCertPem, bundle.caKeyPem],
      [bundle.serverCertPem, bundle.serverKeyPem],
      [bundle.clientCertPem, bundle.clientKeyPem],
    ]) {
      expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const k = createPrivateKey(key);
      expect(k.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(new X509Certificate(cert).checkPrivateKey(k)).toBe(true);
    }
    expect(new Set([bundle.caKeyPem, bundle.serverKeyPem, bundle.clientKeyPem]).size).toBe(3);
  });

  test("validity is 365 days from now by default and serials are distinct positive 16-byte numbers", () => {
    const certs = [bundle.caCertPem, bundle.serverCertPem, bundle.clientCertPem].map((p) => new X509Certificate(p));
    for (const c of certs) {
      const from = new Date(c.validFrom).getTime();
      expect(Math.abs(from - Date.now())).toBeLessThan(60_000);
      expect(new Date(c.validTo).getTime() - from).toBe(365 * DAY_MS);
      expect(c.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/i);
    }
    expect(new Set(certs.map((c) => c.serialNumber)).size).toBe(3);
  });

  test("reports progress: start, three keys, three certificates", () => {
    expect(events.map((e) => e.done)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.total === 6)).toBe(true);
    expect(events[0].step).toBe("start");
    expect(events.slice(1, 4).map((e) => e.step).sort()).toEqual(["ca key", "client key", "server key"]);
    expect(events.slice(4).map((e) => e.step)).toEqual(["ca certificate", "server certificate", "client certificate"]);
  });

  test("a real mutual-TLS handshake succeeds over the IPv4 IP SAN with hostname checking on", async () => {
    const server = tls.createServer({
      cert: bundle.serverCertPem,
      key: bundle.serverKeyPem,
      ca: bundle.caCertPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const peer = new Promise<string>((resolve) =>
      server.on("secureConnection", (socket) => {
        resolve((socket.getPeerCertificate() as tls.PeerCertificate).subject.CN);
        socket.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, ca: bundle.caCertPem, cert: bundle.clientCertPem, key: bundle.clientKeyPem }, () => {
          resolve(socket.authorized);
          socket.end();
        });
        socket.on("error", reject);
      });
      expect(authorized).toBe(true);
      expect(await peer).toBe("worker-7");
    } finally {
      server.close();
    }
  });

  test("a TLS client refuses the server certificate for a name not in the SANs", async () => {
    const server = tls.createServer({ cert: bundle.serverCertPem, key: bundle.serverKeyPem });
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const error = await new Promise<Error>((resolve) => {
        const socket = tls.connect({ host: "127.0.0.1", port, ca: bundle.caCertPem, servername: "other.internal" }, () => resolve(new Error("connected")));
        socket.on("error", resolve);
      });
      expect(error.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
    } finally {
      server.close();
    }
  });

  describeWithOpenssl("cross-checked with openssl", () => {
    const file = (name: string) => path.join(dir, "certs", name);

    test("openssl verify accepts the server and client certificates against ca.crt", () => {
      const out = openssl(["verify", "-CAfile", file("ca.crt"), file("server.crt"), file("client.crt")]);
      expect(out).toBe(`${file("server.crt")}: OK\n${file("client.crt")}: OK\n`);
    });

    test("openssl verify checks purposes: server.crt is sslserver, client.crt is sslclient, not the other way", () => {
      expect(opensslStatus(["verify", "-CAfile", file("ca.crt"), "-purpose", "sslserver", file("server.crt")]).status).toBe(0);
      expect(opensslStatus(["verify", "-CAfile", file("ca.crt"), "-purpose", "sslclient", file("client.crt")]).status).toBe(0);
      expect(opensslStatus(["verify", "-CAfile", file("ca.crt"), "-purpose", "sslserver", file("client.crt")]).status).not.toBe(0);
      expect(opensslStatus(["verify", "-CAfile", file("ca.crt"), "-purpose", "sslclient", file("server.crt")]).status).not.toBe(0);
    });

    test("openssl verify -verify_ip / -verify_hostname match the SANs (IP SANs are real IP SANs)", () => {
      const verify = (flag: string, value: string) => opensslStatus(["verify", "-CAfile", file("ca.crt"), flag, value, file("server.crt")]).status;
      expect(verify("-verify_ip", "127.0.0.1")).toBe(0);
      expect(verify("-verify_ip", "::1")).toBe(0);
      expect(verify("-verify_hostname", "redis.internal")).toBe(0);
      expect(verify("-verify_hostname", "127.0.0.1")).not.toBe(0); // not a DNS SAN any more
      expect(verify("-verify_ip", "10.0.0.1")).not.toBe(0);
    });

    test("openssl and node:crypto agree on SANs, EKUs, validity and subjects", () => {
      const server = new X509Certificate(bundle.serverCertPem);
      const ext = opensslExtensions(file("server.crt"), "subjectAltName,extendedKeyUsage");
      expect(ext["X509v3 Subject Alternative Name"]).toBe(server.subjectAltName);
      expect(ext["X509v3 Extended Key Usage"]).toBe("TLS Web Server Authentication");
      expect(opensslExtensions(file("client.crt"), "extendedKeyUsage")["X509v3 Extended Key Usage"]).toBe("TLS Web Client Authentication");
      for (const name of ["ca.crt", "server.crt", "client.crt"]) {
        const cert = new X509Certificate(fs.readFileSync(file(name)));
        const { fields, text } = opensslCertFields(file(name));
        expect(new Date(fields.notBefore).getTime()).toBe(new Date(cert.validFrom).getTime());
        expect(new Date(fields.notAfter).getTime()).toBe(new Date(cert.validTo).getTime());
        expect(fields.subject).toBe(cert.subject);
        expect(fields.serial).toBe(cert.serialNumber.toUpperCase());
        expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
      }
    });

    test("openssl sees the extension profile: CA critical CA:TRUE + keyCertSign/cRLSign, leaves CA:FALSE, SKI/AKI chained", () => {
      const ca = opensslExtensions(file("ca.crt"), "basicConstraints,keyUsage,subjectKeyIdentifier");
      expect(ca["X509v3 Basic Constraints: critical"]).toBe("CA:TRUE");
      expect(ca["X509v3 Key Usage: critical"]).toBe("Certificate Sign, CRL Sign");
      const caSki = ca["X509v3 Subject Key Identifier"];
      expect(caSki).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
      for (const leaf of ["server.crt", "client.crt"]) {
        const ext = opensslExtensions(file(leaf), "basicConstraints,keyUsage,subjectKeyIdentifier,authorityKeyIdentifier");
        expect(ext["X509v3 Basic Constraints"]).toBe("CA:FALSE");
        expect(ext["X509v3 Key Usage: critical"]).toBe("Digital Signature, Key Encipherment");
        expect(ext["X509v3 Authority Key Identifier"]).toBe(caSki);
        expect(ext["X509v3 Subject Key Identifier"]).not.toBe(caSki);
      }
    });

    test("each private key matches its certificate (openssl public keys are identical)", () => {
      for (const name of ["ca", "server", "client"]) {
        const fromKey = openssl(["pkey", "-in", file(`${name}.key`), "-pubout"]);
        const fromCert = openssl(["x509", "-noout", "-pubkey", "-in", file(`${name}.crt`)]);
        expect(fromKey).toBe(fromCert);
        expect(createPublicKey(fromKey).asymmetricKeyDetails?.modulusLength).toBe(2048);
      }
    });
  });
});

describe("generateTlsBundle options", () => {
  // Generated once, lazily, for the node:crypto test and its openssl cross-check (RSA-4096 takes seconds).
  let defaultBundle: Promise<TlsBundle> | undefined;
  const bundleWithDefaults = () => (defaultBundle ??= generateTlsBundle({ sans: ["127.0.0.1", "redis"], primaryHost: "redis", days: 30 }));
  let expiredBundle: Promise<{ bundle: TlsBundle; notBefore: Date }> | undefined;
  const bundleExpired = () =>
    (expiredBundle ??= (async () => {
      const notBefore = new Date(Date.now() - 10 * DAY_MS);
      return { bundle: await generateTlsBundle({ sans: "localhost", keySize: 2048, days: 2, notBefore }), notBefore };
    })());
  /** Writes `bundle` to a temp dir, runs `fn` there, and removes it. */
  const inBundleDir = (bundle: TlsBundle, fn: (dir: string) => void) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-options-"));
    try {
      writeTlsBundle(dir, bundle, { overwrite: true });
      fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test("primaryHost, days and the default 4096-bit key size", async () => {
    const bundle = await bundleWithDefaults();
    const server = new X509Certificate(bundle.serverCertPem);
    expect(server.subject).toBe("CN=redis");
    expect(new X509Certificate(bundle.caCertPem).subject).toBe("CN=redis-ca");
    expect(new X509Certificate(bundle.clientCertPem).subject).toBe("CN=stem-client");
    expect(new Date(server.validTo).getTime() - new Date(server.validFrom).getTime()).toBe(30 * DAY_MS);
    for (const key of [bundle.caKeyPem, bundle.serverKeyPem, bundle.clientKeyPem]) {
      expect(createPrivateKey(key).asymmetricKeyDetails?.modulusLength).toBe(4096);
    }
  });

  testWithOpenssl("openssl verifies the default 4096-bit bundle", async () => {
    inBundleDir(await bundleWithDefaults(), (dir) => {
      expect(openssl(["verify", "-CAfile", "ca.crt", "server.crt", "client.crt"], { cwd: dir })).toBe("server.crt: OK\nclient.crt: OK\n");
      expect(openssl(["x509", "-noout", "-text", "-in", "server.crt"], { cwd: dir })).toMatch(/Public-Key: \(4096 bit\)/);
    });
  });

  test("a notBefore in the past with a small validity issues an expired bundle", async () => {
    const { bundle, notBefore } = await bundleExpired();
    const server = new X509Certificate(bundle.serverCertPem);
    expect(new Date(server.validFrom).getTime()).toBe(Math.floor(notBefore.getTime() / 1000) * 1000);
    expect(new Date(server.validTo).getTime()).toBeLessThan(Date.now());
  });

  testWithOpenssl("openssl rejects the expired bundle as expired", async () => {
    inBundleDir((await bundleExpired()).bundle, (dir) => {
      const result = opensslStatus(["verify", "-CAfile", "ca.crt", "server.crt"], { cwd: dir });
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/certificate has expired/);
    });
  });

  test.each([
    [{ days: 0 }, "days", /1 to 3650/],
    [{ days: 3651 }, "days", /1 to 3650/],
    [{ days: 1.5 }, "days", /whole number/],
    [{ keySize: 1024 }, "keySize", /2048, 3072 or 4096/],
    [{ clientCn: "" }, "clientCn", /common name/],
    [{ clientCn: "x".repeat(65) }, "clientCn", /1-64/],
    [{ primaryHost: "h".repeat(62) }, "primaryHost", /1-61/],
    [{ notBefore: new Date("nope") }, "notBefore", /valid Date/],
    [{ sans: "bad_name" }, "sans", /DNS name/],
  ])("fails on %j before generating any key", async (override, field, pattern) => {
    const onProgress = jest.fn();
    const options = { sans: "localhost", keySize: 2048, ...override, onProgress } as unknown as Parameters<typeof generateTlsBundle>[0];
    const error = await generateTlsBundle(options).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StemguardError);
    expect((error as StemguardError).field).toBe(field);
    expect((error as StemguardError).message).toMatch(pattern);
    expect((error as StemguardError).message).toMatch(/Fix: /);
    expect(onProgress).not.toHaveBeenCalled();
  });
});
