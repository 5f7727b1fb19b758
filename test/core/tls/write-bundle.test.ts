import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StemguardError } from "../../../lib/core/errors";
import { generateTlsBundle, type TlsBundle } from "../../../lib/core/tls/generate";
import { TLS_FILE_NAMES, tlsBundlePaths, writeTlsBundle } from "../../../lib/core/tls/write-bundle";

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("writeTlsBundle", () => {
  let bundle: TlsBundle;
  let tmp: string;

  beforeAll(async () => {
    bundle = await generateTlsBundle({ sans: "localhost,127.0.0.1", keySize: 2048 });
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-write-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("writes upstream's six names with keys 0600, certificates 0644 and a new directory 0700", () => {
    const dir = path.join(tmp, "nested", "certs");
    const paths = writeTlsBundle(dir, bundle);
    expect(paths).toEqual(tlsBundlePaths(dir));
    expect(fs.readdirSync(dir).sort()).toEqual(["ca.crt", "ca.key", "client.crt", "client.key", "server.crt", "server.key"]);
    expect(mode(dir)).toBe(0o700);
    for (const key of [paths.caKey, paths.serverKey, paths.clientKey]) expect(mode(key)).toBe(0o600);
    for (const cert of [paths.caCert, paths.serverCert, paths.clientCert]) expect(mode(cert)).toBe(0o644);
    for (const [field, name] of Object.entries(TLS_FILE_NAMES)) {
      expect(fs.readFileSync(path.join(dir, name), "utf8")).toBe(bundle[field as keyof TlsBundle]);
    }
  });

  test("modes do not depend on the process umask", () => {
    const previous = process.umask(0o000);
    try {
      const paths = writeTlsBundle(path.join(tmp, "open-umask"), bundle);
      expect(mode(paths.dir)).toBe(0o700);
      expect(mode(paths.serverKey)).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  test("fails to overwrite existing files without overwrite, and leaves them untouched", () => {
    const paths = writeTlsBundle(tmp, bundle);
    fs.writeFileSync(paths.serverCert, "operator's cert");
    expect(() => writeTlsBundle(tmp, bundle)).toThrow(StemguardError);
    expect(() => writeTlsBundle(tmp, bundle)).toThrow(/refusing to overwrite.*"server\.crt".*Fix: .*--force/);
    expect(fs.readFileSync(paths.serverCert, "utf8")).toBe("operator's cert");
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("replaces existing files with overwrite", () => {
    const paths = writeTlsBundle(tmp, bundle);
    fs.writeFileSync(paths.clientKey, "stale", { mode: 0o644 });
    writeTlsBundle(tmp, bundle, { overwrite: true });
    expect(fs.readFileSync(paths.clientKey, "utf8")).toBe(bundle.clientKeyPem);
    expect(mode(paths.clientKey)).toBe(0o600);
  });

  test("fails without writing anything when a target name is a directory (even with overwrite)", () => {
    fs.mkdirSync(path.join(tmp, "server.key"));
    expect(() => writeTlsBundle(tmp, bundle, { overwrite: true })).toThrow(/not regular files.*server\.key/);
    expect(fs.readdirSync(tmp)).toEqual(["server.key"]);
  });

  test("fails without creating the directory when a bundle field is not PEM", () => {
    const dir = path.join(tmp, "never");
    expect(() => writeTlsBundle(dir, { ...bundle, serverKeyPem: "" })).toThrow(/bundle\.serverKeyPem: not a PEM private key/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test("fails without leaving a directory when the path is below a file", () => {
    fs.writeFileSync(path.join(tmp, "file"), "x");
    expect(() => writeTlsBundle(path.join(tmp, "file", "certs"), bundle)).toThrow(/dir: cannot create the output directory \(ENOTDIR\)/);
    expect(fs.readdirSync(tmp)).toEqual(["file"]);
  });

  test("fails when the output path is a file", () => {
    fs.writeFileSync(path.join(tmp, "file"), "x");
    expect(() => writeTlsBundle(path.join(tmp, "file"), bundle)).toThrow(/dir: output path exists and is not a directory/);
  });
});
