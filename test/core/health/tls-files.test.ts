import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StemguardError } from "../../../lib/core/errors";
import { readTlsEnv } from "../../../lib/core/health/tls-env";
import { loadTlsMaterial } from "../../../lib/core/health/tls-files";
import { generateTlsBundle } from "../../../lib/core/tls/generate";
import { writeTlsBundle, type TlsBundlePaths } from "../../../lib/core/tls/write-bundle";

let dir: string;
let paths: TlsBundlePaths;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-files-"));
  paths = writeTlsBundle(path.join(dir, "certs"), await generateTlsBundle({ sans: "localhost,127.0.0.1", keySize: 2048 }));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const load = (env: Record<string, string>) => loadTlsMaterial(readTlsEnv(env));

function errorOf(fn: () => unknown): StemguardError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StemguardError) return err;
    throw err;
  }
  throw new Error("expected a StemguardError");
}

describe("loadTlsMaterial", () => {
  it("uses Node's default roots when no path is set (Stem's 'system')", () => {
    expect(load({})).toEqual({ ca: undefined, cert: undefined, key: undefined });
  });

  it("trusts only the given CA", () => {
    const material = load({ STEM_TLS_CA_CERT: paths.caCert });
    expect(material.ca).toHaveLength(1);
    expect(new X509Certificate(material.ca![0]).subject).toContain("CN=localhost-ca");
    expect(material.cert).toBeUndefined();
  });

  it("trusts nothing when a client path is set without a CA (Dart SecurityContext has no roots)", () => {
    const material = load({ STEM_TLS_CLIENT_CERT: paths.clientCert, STEM_TLS_CLIENT_KEY: paths.clientKey });
    expect(material.ca).toEqual([]);
    expect(material.cert).toContain("BEGIN CERTIFICATE");
    expect(material.key).toContain("PRIVATE KEY");
  });

  it("ignores a client certificate without its key", () => {
    const material = load({ STEM_TLS_CA_CERT: paths.caCert, STEM_TLS_CLIENT_CERT: paths.clientCert });
    expect(material.cert).toBeUndefined();
    expect(material.key).toBeUndefined();
  });

  it("accepts a DER CA certificate", () => {
    const der = path.join(dir, "ca.der");
    fs.writeFileSync(der, new X509Certificate(fs.readFileSync(paths.caCert)).raw);
    expect(load({ STEM_TLS_CA_CERT: der }).ca).toHaveLength(1);
  });

  it("fails on a missing CA file, naming the variable and path", () => {
    const missing = path.join(dir, "nope.crt");
    const err = errorOf(() => load({ STEM_TLS_CA_CERT: ` ${missing} ` }));
    expect(err.field).toBe("STEM_TLS_CA_CERT");
    expect(err.message).toContain(missing);
    expect(err.message).toContain("file does not exist");
  });

  it("fails on a directory given as CA file", () => {
    expect(errorOf(() => load({ STEM_TLS_CA_CERT: dir })).message).toContain("file is a directory, not a regular file");
  });

  it("fails on a file that is not a certificate", () => {
    const junk = path.join(dir, "junk.crt");
    fs.writeFileSync(junk, "hello");
    expect(errorOf(() => load({ STEM_TLS_CA_CERT: junk })).message).toMatch(/not a certificate/);
  });

  it("fails on a key that is not a key, without echoing the file", () => {
    const err = errorOf(() =>
      load({ STEM_TLS_CA_CERT: paths.caCert, STEM_TLS_CLIENT_CERT: paths.clientCert, STEM_TLS_CLIENT_KEY: paths.clientCert }),
    );
    expect(err.field).toBe("STEM_TLS_CLIENT_KEY");
    expect(err.message).not.toContain("BEGIN");
  });

  it("fails on a key that does not belong to the certificate, without echoing the key", () => {
    const err = errorOf(() =>
      load({ STEM_TLS_CA_CERT: paths.caCert, STEM_TLS_CLIENT_CERT: paths.clientCert, STEM_TLS_CLIENT_KEY: paths.serverKey }),
    );
    expect(err.message).toMatch(/does not belong/);
    expect(err.message).not.toContain("PRIVATE KEY");
  });
});
