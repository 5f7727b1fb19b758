import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../lib/cli/main";
import { generateTlsBundle, type TlsBundle } from "../../../lib/core/tls/generate";
import { inspectCertificates } from "../../../lib/core/tls/inspect";
import { writeTlsBundle } from "../../../lib/core/tls/write-bundle";
import { fakeIo } from "../../support/fake-io";

// A chain file must start with the leaf: Redis takes the first certificate
// of tls-cert-file as its own and refuses to start when the key does not
// match it. A file of CAs only (a trust bundle) has no order.
let bundle: TlsBundle;
let other: TlsBundle;
beforeAll(async () => {
  [bundle, other] = await Promise.all([generateTlsBundle({ sans: "redis.internal", keySize: 2048 }), generateTlsBundle({ sans: "elsewhere", keySize: 2048 })]);
});

const codes = (pem: string) => inspectCertificates(pem).problems.map((p) => [p.code, p.certificate]);

describe("tls inspect: certificate order", () => {
  it.each([
    ["CA first, then the leaf", () => bundle.caCertPem + bundle.serverCertPem, [["leaf-not-first", 1]]],
    ["two leaves", () => bundle.serverCertPem + bundle.clientCertPem, [["leaf-not-first", 1]]],
    ["CA, leaf, CA", () => bundle.caCertPem + bundle.serverCertPem + other.caCertPem, [["leaf-not-first", 1]]],
    ["leaf, then a CA that did not issue it", () => bundle.serverCertPem + other.caCertPem, [["chain-order", 1]]],
  ])("%s: not OK, with the reason and the fix", (_name, pem, expected) => {
    const report = inspectCertificates(pem());
    expect(report.ok).toBe(false);
    expect(codes(pem())).toEqual(expected);
    expect(report.problems[0].message).toMatch(/Fix: put the leaf \(server or client\) certificate first, then each intermediate/);
  });

  it.each([
    ["a single leaf", () => bundle.serverCertPem],
    ["the leaf, then its issuer", () => bundle.serverCertPem + bundle.caCertPem],
    ["a trust bundle of two CAs", () => bundle.caCertPem + other.caCertPem],
  ])("%s: OK", (_name, pem) => {
    expect(codes(pem())).toEqual([]);
  });

  it("fails the CLI verdict (exit 1) in text and --json, naming the file and the fix", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-order-"));
    try {
      fs.writeFileSync(path.join(dir, "fullchain.pem"), bundle.caCertPem + bundle.serverCertPem);
      const text = fakeIo(dir);
      expect(await main(["tls", "inspect", "fullchain.pem"], text)).toBe(1);
      expect(text.out()).toMatch(/verdict: FAIL/);
      expect(text.out()).toMatch(/fullchain\.pem: leaf-not-first: "redis\.internal" is a leaf certificate at position 2 of 2/);
      const json = fakeIo(dir);
      expect(await main(["tls", "inspect", "fullchain.pem", "--json"], json)).toBe(1);
      const report = JSON.parse(json.out()) as { ok: boolean; problems: { code: string }[] };
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.code)).toEqual(["leaf-not-first"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tls generate's files (generateTlsBundle, as written by writeTlsBundle) keep the leaf first and inspect OK", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-order-gen-"));
    try {
      writeTlsBundle(path.join(dir, "certs"), bundle);
      for (const name of ["server.crt", "client.crt", "ca.crt"]) {
        const pem = fs.readFileSync(path.join(dir, "certs", name), "utf8");
        expect([name, codes(pem)]).toEqual([name, []]);
      }
      const io = fakeIo(dir);
      expect(await main(["tls", "inspect", "certs", "--json"], io)).toBe(0);
      expect(JSON.parse(io.out()).ok).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
