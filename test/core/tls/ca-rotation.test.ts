import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import type * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { emptyTlsLedger, fingerprint256Of, leafIssuerCaId, trustBundleCaIds, type TlsCaLedger } from "../../../lib/core/tls/ca-ledger";
import { parseTlsLedger, serializeTlsLedger } from "../../../lib/core/tls/ca-ledger-file";
import { TRUST_BUNDLE_FILE, performTlsStep, type TlsStepRequest } from "../../../lib/core/tls/ca-rotation";
import { generateTlsBundle, type TlsBundle } from "../../../lib/core/tls/generate";
import { writeTlsBundle } from "../../../lib/core/tls/write-bundle";
import { opensslStatus, testWithOpenssl } from "../../support/openssl";

/** What a component deployed at one phase holds: the trust bundle and the leaves in use. */
interface PhaseMaterial {
  phase: number;
  bundle: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Mutual TLS between a server deployed at one phase and a client deployed at another. */
async function handshake(server: PhaseMaterial, client: PhaseMaterial): Promise<string> {
  const srv = tls.createServer({ cert: server.serverCert, key: server.serverKey, ca: server.bundle, requestCert: true, rejectUnauthorized: true });
  srv.on("tlsClientError", () => undefined);
  // Every accepted connection, so that none outlives the handshake: a leftover
  // open socket keeps the jest worker alive after the run ("failed to exit gracefully").
  const accepted = new Set<net.Socket>();
  srv.on("connection", (s: net.Socket) => accepted.add(s));
  srv.on("secureConnection", (s) => {
    accepted.add(s);
    // Read (and drop) the client's "ping": unread data holds back 'end', and the
    // socket would then stay half-open after the client closes.
    s.resume();
    s.end("pong");
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  let socket: tls.TLSSocket | undefined;
  try {
    return await new Promise<string>((resolve) => {
      const connected = tls.connect({ host: "127.0.0.1", port, ca: client.bundle, cert: client.clientCert, key: client.clientKey }, () => {
        // The server may still reject our certificate after our side finished; wait for its verdict.
        connected.once("data", () => resolve("ok"));
        connected.once("end", () => resolve("ok"));
        connected.once("error", (err) => resolve(err.message));
        connected.write("ping");
      });
      socket = connected;
      connected.once("error", (err) => resolve(err.message));
    });
  } finally {
    socket?.destroy();
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

describe("performTlsStep: a full CA rotation with real material", () => {
  let material: string;
  const phases: PhaseMaterial[] = [];
  const ledgers: TlsCaLedger[] = [emptyTlsLedger()];

  const snapshot = (ledger: TlsCaLedger): PhaseMaterial => {
    const dir = path.join(material, leafIssuerCaId(ledger)!);
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    return {
      phase: ledger.phase,
      bundle: fs.readFileSync(path.join(material, TRUST_BUNDLE_FILE), "utf8"),
      serverCert: read("server.crt"),
      serverKey: read("server.key"),
      clientCert: read("client.crt"),
      clientKey: read("client.key"),
    };
  };

  beforeAll(async () => {
    material = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-rotation-"));
    const steps: TlsStepRequest[] = [
      { op: "init", caId: "ca-1", sans: "localhost,127.0.0.1", clientCn: "worker" },
      { op: "stage-ca", caId: "ca-2" },
      { op: "reissue-leaves" },
      { op: "retire-ca", caId: "ca-1" },
      { op: "renew-leaves" },
    ];
    for (const request of steps) {
      const { ledger } = await performTlsStep(ledgers[ledgers.length - 1], request, { materialDir: material, keySize: 2048 });
      ledgers.push(ledger);
      phases.push(snapshot(ledger));
    }
  });
  afterAll(() => fs.rmSync(material, { recursive: true, force: true }));

  test("the ledger records every phase and only fingerprints", () => {
    const last = ledgers[ledgers.length - 1];
    expect(last.history.map((s) => s.op)).toEqual(["init", "stage-ca", "reissue-leaves", "retire-ca", "renew-leaves"]);
    expect(last.cas.map((c) => [c.id, c.state])).toEqual([
      ["ca-1", "retired"],
      ["ca-2", "active"],
    ]);
    expect(last.cas[1].fingerprint256).toBe(fingerprint256Of(fs.readFileSync(path.join(material, "ca-2", "ca.crt"), "utf8")));
    expect(last.leaves[2].serverFingerprint256).toBe(fingerprint256Of(phases[4].serverCert));
    expect(parseTlsLedger(JSON.parse(serializeTlsLedger(last)))).toEqual(last);
    expect(serializeTlsLedger(last)).not.toMatch(/BEGIN/);
  });

  test("the trust bundle file follows the ledger in each phase", () => {
    const cns = phases.map((p) => (p.bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length);
    expect(cns).toEqual(ledgers.slice(1).map((l) => trustBundleCaIds(l).length));
    expect(cns).toEqual([1, 2, 2, 1, 1]);
  });

  test("reissued and renewed leaves keep the SANs and CNs of the leaves they replace, and keys are 0600", () => {
    for (const p of phases) {
      const server = new X509Certificate(p.serverCert);
      expect(server.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
      expect(server.subject).toBe("CN=localhost");
      expect(new X509Certificate(p.clientCert).subject).toBe("CN=worker");
    }
    for (const f of ["ca.key", "server.key", "client.key"]) expect(fs.statSync(path.join(material, "ca-2", f)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(material, "ca-2")).mode & 0o777).toBe(0o700);
  });

  test("mutual TLS works between any two components one phase apart (the rollout window of every step)", async () => {
    for (let n = 1; n < phases.length; n++) {
      const pair = [phases[n - 1], phases[n]];
      for (const server of pair) {
        for (const client of pair) {
          expect(`${server.phase}->${client.phase}: ${await handshake(server, client)}`).toBe(`${server.phase}->${client.phase}: ok`);
        }
      }
    }
  });

  test("skipping a phase would break traffic: phase-1 leaves are refused by phase-4 trust (ca-1 retired)", async () => {
    const result = await handshake(phases[3], phases[0]);
    expect(result).not.toBe("ok");
  });

  testWithOpenssl("openssl agrees: new leaves verify against the staged bundle, old leaves no longer after retire", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-rotation-openssl-"));
    try {
      const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
      const verify = (ca: string, leaf: string) => opensslStatus(["verify", "-CAfile", ca, leaf], { cwd: dir }).status;
      phases.forEach((p, i) => {
        write(`bundle-${i + 1}.crt`, p.bundle);
        write(`server-${i + 1}.crt`, p.serverCert);
      });
      expect(verify("bundle-2.crt", "server-3.crt")).toBe(0); // reissued leaves, trusted since phase 2
      expect(verify("bundle-3.crt", "server-2.crt")).toBe(0); // old leaves still trusted in phase 3
      expect(verify("bundle-4.crt", "server-2.crt")).not.toBe(0); // retired
      expect(verify("bundle-4.crt", "server-5.crt")).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("performTlsStep refusals", () => {
  let generated: TlsBundle;
  let material: string;
  let ledger: TlsCaLedger;
  // One real bundle for the whole block (3 RSA keys); each test still gets a
  // fresh material directory with it written there and adopted by init.
  beforeAll(async () => {
    generated = await generateTlsBundle({ sans: "redis", keySize: 2048 });
  });
  beforeEach(async () => {
    material = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-refuse-"));
    writeTlsBundle(path.join(material, "ca-1"), generated);
    ({ ledger } = await performTlsStep(emptyTlsLedger(), { op: "init", caId: "ca-1" }, { materialDir: material }));
  });
  afterEach(() => fs.rmSync(material, { recursive: true, force: true }));

  const listing = () =>
    fs
      .readdirSync(material, { recursive: true })
      .map(String)
      .sort()
      .map((f) => `${f}:${fs.statSync(path.join(material, f)).mtimeMs}`);

  test("init adopts a bundle written by generate", () => {
    expect(ledger.cas).toEqual([{ id: "ca-1", state: "active", fingerprint256: fingerprint256Of(fs.readFileSync(path.join(material, "ca-1", "ca.crt"), "utf8")) }]);
    expect(fs.readFileSync(path.join(material, TRUST_BUNDLE_FILE), "utf8")).toBe(fs.readFileSync(path.join(material, "ca-1", "ca.crt"), "utf8"));
  });

  test.each<[string, TlsStepRequest, RegExp]>([
    ["reissue before a CA is staged", { op: "reissue-leaves" }, /no staged CA/],
    ["retiring the active CA", { op: "retire-ca", caId: "ca-1" }, /only a retiring CA/],
    ["a second init", { op: "init", caId: "ca-9", sans: "x" }, /already has a CA/],
    ["staging a bad id", { op: "stage-ca", caId: "no spaces" }, /CA id must match/],
  ])("fails on %s without writing any material", async (_name, request, pattern) => {
    const before = listing();
    await expect(performTlsStep(ledger, request, { materialDir: material, keySize: 2048 })).rejects.toThrow(pattern);
    expect(listing()).toEqual(before);
  });

  test("fails to adopt an inconsistent bundle (swapped key)", async () => {
    const other = path.join(material, "other");
    writeTlsBundle(other, generated);
    fs.copyFileSync(path.join(other, "client.key"), path.join(other, "server.key"));
    await expect(performTlsStep(emptyTlsLedger(), { op: "init", caId: "other" }, { materialDir: material })).rejects.toThrow(/inconsistent.*private key does not belong/);
  });

  test("fails to generate over an existing bundle, pointing at adoption", async () => {
    await expect(performTlsStep(emptyTlsLedger(), { op: "init", caId: "ca-1", sans: "redis" }, { materialDir: material })).rejects.toThrow(/^sans: .*already holds TLS files.*Fix: omit the SANs to adopt/);
  });

  test("fails to adopt from an empty directory, telling to pass SANs", async () => {
    await expect(performTlsStep(emptyTlsLedger(), { op: "init", caId: "nothing" }, { materialDir: material })).rejects.toThrow(/^sans: no complete bundle to adopt .*Fix: pass SANs/);
  });
});
