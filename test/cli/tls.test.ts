import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { main } from "../../lib/cli/main";
import { registerTls } from "../../lib/cli/commands/tls";
import { generateCa, generateTlsBundle } from "../../lib/core/tls/generate";
import { writeTlsBundle } from "../../lib/core/tls/write-bundle";
import { fakeIo } from "../support/fake-io";
import { openssl, testWithOpenssl } from "../support/openssl";
import { changedEntries, treeSnapshot } from "../core/tls/tree-snapshot";

const DAY_MS = 86_400_000;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sg-cli-tls-"));
const run = async (cwd: string, ...argv: string[]) => {
  const io = fakeIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

/** Every base64 line of every key file: none may appear in CLI output. */
function keyLines(dir: string): string[] {
  return ["ca.key", "server.key", "client.key"].flatMap((f) =>
    fs
      .readFileSync(path.join(dir, f), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("-----")),
  );
}

describe("stemguard tls generate", () => {
  let cwd: string;
  let result: { code: number; out: string; err: string };

  beforeAll(async () => {
    cwd = tmp();
    result = await run(cwd, "tls", "generate", "certs", " redis.internal, localhost,127.0.0.1", "--key-size", "2048", "--days", "30", "--client-cn", "worker");
  });

  test("writes upstream's six files with modes 0600/0644 in a 0700 directory", () => {
    expect(result.code).toBe(0);
    const dir = path.join(cwd, "certs");
    expect(fs.readdirSync(dir).sort()).toEqual(["ca.crt", "ca.key", "client.crt", "client.key", "server.crt", "server.key"]);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ["ca.key", "server.key", "client.key"]) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    for (const f of ["ca.crt", "server.crt", "client.crt"]) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o644);
    const server = new X509Certificate(fs.readFileSync(path.join(dir, "server.crt")));
    expect(server.subjectAltName).toBe("DNS:redis.internal, DNS:localhost, IP Address:127.0.0.1");
    expect(new X509Certificate(fs.readFileSync(path.join(dir, "client.crt"))).subject).toBe("CN=worker");
    expect(new Date(server.validTo).getTime() - new Date(server.validFrom).getTime()).toBe(30 * DAY_MS);
  });

  test("prints paths, SANs, fingerprints and the STEM_TLS_* lines with absolute paths", () => {
    const dir = path.join(cwd, "certs");
    const ca = new X509Certificate(fs.readFileSync(path.join(dir, "ca.crt")));
    expect(result.out).toContain(`wrote 6 files to ${dir} (keys 0600, certificates 0644)`);
    expect(result.out).toContain(`SHA256 ${ca.fingerprint256}`);
    expect(result.out).toContain("SANs        DNS:redis.internal, DNS:localhost, IP:127.0.0.1");
    expect(result.out).toContain(`\nSTEM_TLS_CA_CERT=${dir}/ca.crt\nSTEM_TLS_CLIENT_CERT=${dir}/client.crt\nSTEM_TLS_CLIENT_KEY=${dir}/client.key\n`);
    expect(result.out).toContain(`--tls-ca-cert-file ${dir}/ca.crt --tls-auth-clients yes`);
  });

  test("prints no key material on stdout or stderr", () => {
    const output = result.out + result.err;
    expect(output).not.toMatch(/PRIVATE KEY/);
    for (const line of keyLines(path.join(cwd, "certs"))) expect(output).not.toContain(line);
  });

  test("reports progress as plain lines on a non-terminal stderr", () => {
    const lines = result.err.trimEnd().split("\n");
    expect(lines[0]).toBe("tls: generating 3 RSA-2048 keys and certificates...");
    expect(lines.slice(1, 4).map((l) => l.replace(/ \(\d\/6\)$/, "")).sort()).toEqual(["tls: ca key done", "tls: client key done", "tls: server key done"]);
    expect(lines.slice(1, 4).map((l) => l.slice(-5))).toEqual(["(1/6)", "(2/6)", "(3/6)"]);
    expect(lines.slice(4)).toEqual(["tls: ca certificate done (4/6)", "tls: server certificate done (5/6)", "tls: client certificate done (6/6)"]);
  });

  testWithOpenssl("the result passes openssl verify", () => {
    expect(openssl(["verify", "-CAfile", "ca.crt", "server.crt", "client.crt"], { cwd: path.join(cwd, "certs") })).toBe("server.crt: OK\nclient.crt: OK\n");
  });

  test("draws a spinner with a percentage on a terminal and clears it", async () => {
    const dir = tmp();
    const io = { ...fakeIo(dir), stderrIsTty: true };
    const program = new Command().exitOverride();
    registerTls(program, io);
    await program.parseAsync(["tls", "generate", "out", "localhost", "--key-size", "2048"], { from: "user" });
    expect(io.err()).toMatch(/\r[|/\\-] generating 3 RSA-2048 keys and certificates +\d+%/);
    expect(io.err()).toContain("100%");
    expect(io.err().endsWith("\r\x1b[2K")).toBe(true);
    expect(io.err()).not.toContain("\n");
  });

  test("--json prints a machine-readable summary without key material", async () => {
    const dir = tmp();
    const { code, out } = await run(dir, "tls", "generate", "out", "localhost,::1", "--key-size", "2048", "--json", "--primary-host", "redis");
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({
      dir: path.join(dir, "out"),
      keySize: 2048,
      sans: [
        { type: "dns", value: "localhost" },
        { type: "ip", value: "::1" },
      ],
      ca: { subject: "CN=redis-ca" },
      server: { subject: "CN=redis" },
      client: { subject: "CN=stem-client" },
      env: { STEM_TLS_CA_CERT: path.join(dir, "out", "ca.crt") },
    });
    expect(out).not.toMatch(/PRIVATE KEY/);
  });

  test("fails with exit 64 on existing files, and --force replaces them", async () => {
    const dir = path.join(cwd, "certs");
    const before = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
    const refused = await run(cwd, "tls", "generate", "certs", "localhost", "--key-size", "2048");
    expect(refused.code).toBe(64);
    expect(refused.err).toMatch(/OUT_DIR: refusing to overwrite existing TLS files .*Fix: .*--force/);
    expect(refused.err).not.toMatch(/generating/); // refused before any key was generated
    expect(fs.readFileSync(path.join(dir, "ca.crt"), "utf8")).toBe(before);
    const forced = await run(cwd, "tls", "generate", "certs", "localhost", "--key-size", "2048", "--force");
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "ca.crt"), "utf8")).not.toBe(before);
  });

  test.each([
    [["bad_name"], /SANS: not a valid DNS name .*\(got "bad_name"\)/],
    [["*.com"], /SANS: a wildcard needs at least two labels/],
    [["localhost", "--days", "0"], /--days: validity must be a whole number of days from 1 to 3650 \(got 0\)/],
    [["localhost", "--days", "ten"], /--days: not a whole number \(got "ten"\)/],
    [["localhost", "--key-size", "1024"], /--key-size: RSA key size must be 2048, 3072 or 4096 \(got 1024\)/],
    [["localhost", "--client-cn", ""], /--client-cn: common name must be/],
  ])("fails with exit 64 and writes nothing on %j", async (args, pattern) => {
    const dir = tmp();
    const { code, out, err } = await run(dir, "tls", "generate", "new-certs", ...args);
    expect(code).toBe(64);
    expect(err).toMatch(pattern);
    expect(err).toMatch(/Fix: /);
    expect(out).toBe("");
    expect(fs.existsSync(path.join(dir, "new-certs"))).toBe(false);
  });
});

describe("stemguard tls inspect", () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = tmp();
    const [good, expired, other] = await Promise.all([
      generateTlsBundle({ sans: "redis,127.0.0.1", keySize: 2048, days: 60 }),
      generateTlsBundle({ sans: "old", keySize: 2048, days: 1, notBefore: new Date(Date.now() - 3 * DAY_MS) }),
      generateCa({ commonName: "other-ca", keySize: 2048 }), // only its ca.crt is used
    ]);
    writeTlsBundle(path.join(cwd, "good"), good);
    writeTlsBundle(path.join(cwd, "expired"), expired);
    fs.mkdirSync(path.join(cwd, "other"));
    fs.writeFileSync(path.join(cwd, "other", "ca.crt"), other.certPem);
  });

  test("exits 0 for a healthy directory and shows subjects, SAN types, chain and key checks", async () => {
    const { code, out, err } = await run(cwd, "tls", "inspect", "good");
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toContain("good/server.crt: CN=redis, issuer CN=redis-ca");
    expect(out).toContain("SANs        DNS: redis; IP: 127.0.0.1");
    expect(out).toContain("chain       OK (anchored at CN=redis-ca)");
    expect(out).toContain("key         matches good/server.key");
    expect(out).toMatch(/\(59 days left\)/);
    expect(out.trimEnd().endsWith("verdict: OK")).toBe(true);
    expect(out).not.toMatch(/PRIVATE KEY/);
    for (const line of keyLines(path.join(cwd, "good"))) expect(out).not.toContain(line);
  });

  test("exits 1 when a certificate expires within --warn-days", async () => {
    const { code, out } = await run(cwd, "tls", "inspect", "good/server.crt", "--warn-days", "60");
    expect(code).toBe(1);
    expect(out).toMatch(/verdict: FAIL \(1 problem\)\n  - good\/server\.crt: expiring: "redis" expires in 59 days/);
  });

  test("exits 1 on expired certificates", async () => {
    const { code, out } = await run(cwd, "tls", "inspect", "expired");
    expect(code).toBe(1);
    expect(out).toMatch(/EXPIRED 2 days ago/);
    expect(out).toMatch(/verdict: FAIL \(5 problems\)/); // three expired, two leaves whose CA expired
    expect(out).toContain('expired/server.crt: expired: "old" expired on');
  });

  test("exits 1 when the chain does not verify against --ca, naming the reason", async () => {
    const { code, out } = await run(cwd, "tls", "inspect", "good/server.crt", "--ca", "other/ca.crt");
    expect(code).toBe(1);
    expect(out).toContain('chain       FAIL: issuer "redis-ca" is not among the trusted CAs ("other-ca")');
  });

  test("exits 1 when --key does not match", async () => {
    const { code, out } = await run(cwd, "tls", "inspect", "good/server.crt", "--key", "good/client.key");
    expect(code).toBe(1);
    expect(out).toContain("key         DOES NOT MATCH good/client.key");
  });

  test("accepts a two-CA trust bundle as --ca (a CA rotation in flight)", async () => {
    fs.writeFileSync(path.join(cwd, "bundle.crt"), fs.readFileSync(path.join(cwd, "other/ca.crt"), "utf8") + fs.readFileSync(path.join(cwd, "good/ca.crt"), "utf8"));
    const { code } = await run(cwd, "tls", "inspect", "good/server.crt", "--ca", "bundle.crt", "--key", "good/server.key");
    expect(code).toBe(0);
  });

  test("--json prints the report and keeps the exit code", async () => {
    const { code, out } = await run(cwd, "tls", "inspect", "expired", "--json");
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report.ok).toBe(false);
    expect(report.warnDays).toBe(30);
    expect(report.problems.map((p: { code: string }) => p.code)).toEqual(["expired", "expired", "chain-invalid", "expired", "chain-invalid"]);
    expect(report.files[1].report.certificates[0].sans).toEqual({ dns: ["old"], ip: [], other: [] });
  });

  test.each([
    [["good", "--warn-days", "soon"], /--warn-days: not a whole number \(got "soon"\)/],
    [["good", "--warn-days", "9999"], /--warn-days: must be from 0 to 3650/],
    [["missing"], /PATH: does not exist/],
    [["good", "--key", "good/server.key"], /--key: --key applies to a single certificate file/],
    [["good/server.key"], /good\/server\.key: no PEM certificate found/],
  ])("fails with exit 64 on %j", async (args, pattern) => {
    const { code, err } = await run(cwd, "tls", "inspect", ...args);
    expect(code).toBe(64);
    expect(err).toMatch(pattern);
    expect(err).not.toMatch(/PRIVATE KEY/);
  });
});

describe("stemguard tls ca", () => {
  test("runs a whole CA rotation one step per run, printing phase, trust bundle, leaf issuer and the next step", async () => {
    const cwd = tmp();
    const outputs: string[] = [];
    const step = async (...args: string[]) => {
      const r = await run(cwd, "tls", "ca", ...args);
      outputs.push(r.out, r.err);
      return r;
    };
    const init = await step("init", "ca-2026", "redis.internal,127.0.0.1", "--key-size", "2048");
    expect(init.code).toBe(0);
    expect(init.out).toContain('phase 1: init "ca-2026"');
    expect(init.out).toContain("trust bundle  ca-2026 -> tls/trust-bundle.crt");

    const early = await step("reissue-leaves");
    expect(early.code).toBe(64);
    expect(early.err).toMatch(/reissue-leaves: no staged CA.*Fix: run 'stage-ca <new-id>'/);

    const stage = await step("stage-ca", "ca-2027");
    expect(stage.code).toBe(0);
    expect(stage.out).toContain("trust bundle  ca-2026, ca-2027 -> tls/trust-bundle.crt");
    expect(stage.out).toContain("wrote         tls/ca-2027/ca.crt, tls/ca-2027/ca.key");
    expect(stage.out).toMatch(/next: apply this phase everywhere .*then reissue-leaves/);

    const reissue = await step("reissue-leaves", "--json");
    expect(reissue.code).toBe(0);
    expect(JSON.parse(reissue.out)).toMatchObject({ phase: 3, trustBundle: ["ca-2026", "ca-2027"], leafIssuer: "ca-2027" });

    const wrong = await step("retire-ca", "ca-2027");
    expect(wrong.code).toBe(64);
    expect(wrong.err).toMatch(/retire-ca ca-2027: only a retiring CA can be retired \(got "active"\)/);

    expect((await step("retire-ca", "ca-2026")).code).toBe(0);
    const status = await step("status");
    expect(status.code).toBe(0);
    // The shared status table of every ledger kind (as `rotate status` prints), then the next step.
    expect(status.out).toBe(
      [
        "Ledger stemguard.tls.json: phase 4 (last step: retire-ca ca-2026)",
        "",
        "ca       state    trust bundle     issues leaves",
        "ca-2026  retired  -                -",
        "ca-2027  active   every component  generation 2",
        "",
        "next: steady state: renew-leaves before the leaves expire, or stage-ca <new-id> to rotate the CA",
        "",
      ].join("\n"),
    );
    const statusJson = await step("status", "--json");
    expect(statusJson.code).toBe(0);
    expect(JSON.parse(statusJson.out)).toMatchObject({
      phase: 4,
      cas: [
        { id: "ca-2026", state: "retired" },
        { id: "ca-2027", state: "active" },
      ],
      phases: [
        { phase: 1, trustBundle: ["ca-2026"], leafIssuer: "ca-2026" },
        { phase: 2, trustBundle: ["ca-2026", "ca-2027"], leafIssuer: "ca-2026" },
        { phase: 3, trustBundle: ["ca-2026", "ca-2027"], leafIssuer: "ca-2027" },
        { phase: 4, trustBundle: ["ca-2027"], leafIssuer: "ca-2027", step: 'retire-ca "ca-2026": removed from every trust bundle' },
      ],
      next: expect.stringMatching(/^steady state/),
    });

    // The leaves in use verify against the current trust bundle; nothing secret was printed.
    const inspect = await run(cwd, "tls", "inspect", "tls/ca-2027/server.crt", "--ca", "tls/trust-bundle.crt", "--key", "tls/ca-2027/server.key");
    expect(inspect.code).toBe(0);
    const all = outputs.join("");
    expect(all).not.toMatch(/PRIVATE KEY/);
    for (const dir of ["tls/ca-2026", "tls/ca-2027"]) for (const line of keyLines(path.join(cwd, dir))) expect(all).not.toContain(line);
    expect(fs.readFileSync(path.join(cwd, "stemguard.tls.json"), "utf8")).not.toMatch(/BEGIN/);
  });

  test("fails when init would overwrite an existing ledger", async () => {
    const cwd = tmp();
    fs.writeFileSync(path.join(cwd, "stemguard.tls.json"), "{}");
    const r = await run(cwd, "tls", "ca", "init", "ca-1", "localhost", "--key-size", "2048");
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/--ledger: the ledger already exists.*stage-ca/);
    expect(fs.existsSync(path.join(cwd, "tls"))).toBe(false);
  });

  test("fails init when the ledger cannot be written, leaving no material behind, and the same command then succeeds", async () => {
    const cwd = tmp();
    const before = treeSnapshot(cwd);
    const args = ["tls", "ca", "init", "ca-1", "localhost", "--key-size", "2048", "--ledger", "state/stemguard.tls.json"];
    const failed = await run(cwd, ...args);
    expect(failed.code).toBe(64);
    expect(failed.err).toMatch(/--ledger: cannot write the file \(ENOENT\).*Fix: create the directory first/);
    expect(failed.out).toBe("");
    expect(failed.err).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(treeSnapshot(cwd)).toEqual(before); // no tls/ directory, no ca-1 files, no trust bundle, no temp file

    fs.mkdirSync(path.join(cwd, "state"));
    const retried = await run(cwd, ...args);
    expect(retried.code).toBe(0);
    expect(retried.out).toContain("wrote         tls/ca-1/ca.crt, tls/ca-1/ca.key, tls/ca-1/server.crt, tls/ca-1/server.key, tls/ca-1/client.crt, tls/ca-1/client.key");
    expect(Object.keys(treeSnapshot(cwd))).toEqual(
      ["state", "state/stemguard.json", "state/stemguard.tls.json", "tls", "tls/ca-1", "tls/trust-bundle.crt", ...["ca.crt", "ca.key", "client.crt", "client.key", "server.crt", "server.key"].map((f) => `tls/ca-1/${f}`)].sort(),
    );
    // Outside a git checkout the manifest sits next to the ledger; the failed attempt left none behind.
    expect(JSON.parse(fs.readFileSync(path.join(cwd, "state/stemguard.json"), "utf8"))).toEqual({ schemaVersion: 1, ledgers: [{ file: "stemguard.tls.json", kind: "tls-ca" }] });
    expect(JSON.parse(fs.readFileSync(path.join(cwd, "state/stemguard.tls.json"), "utf8"))).toMatchObject({ phase: 1, cas: [{ id: "ca-1", state: "active" }] });
  });

  test("fails stage-ca when the ledger cannot be written, keeping the material byte for byte, and the same command then succeeds", async () => {
    const cwd = tmp();
    writeTlsBundle(path.join(cwd, "tls", "ca-1"), await generateTlsBundle({ sans: "localhost", keySize: 2048 }));
    expect((await run(cwd, "tls", "ca", "init", "ca-1")).code).toBe(0); // adopts: no key generated
    const ledgerFile = path.join(cwd, "stemguard.tls.json");
    const ledgerBytes = fs.readFileSync(ledgerFile);
    const before = treeSnapshot(path.join(cwd, "tls"));

    // The ledger has been read when key generation starts; then its path turns into a directory.
    const captured = fakeIo(cwd);
    const io = {
      ...captured,
      stderr: (text: string) => {
        if (text.includes("generating") && !fs.statSync(ledgerFile).isDirectory()) {
          fs.renameSync(ledgerFile, `${ledgerFile}.aside`);
          fs.mkdirSync(ledgerFile);
        }
        captured.stderr(text);
      },
    };
    const code = await main(["tls", "ca", "stage-ca", "ca-2"], io);
    expect(code).toBe(64);
    expect(io.err()).toMatch(/--ledger: cannot write the file \(EISDIR\).*Fix: the path is a directory/);
    expect(io.out()).toBe("");
    expect(io.err()).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(treeSnapshot(path.join(cwd, "tls"))).toEqual(before); // no ca-2/, the old trust bundle (same inode), no temp file
    expect(fs.readdirSync(ledgerFile)).toEqual([]);

    fs.rmdirSync(ledgerFile);
    fs.renameSync(`${ledgerFile}.aside`, ledgerFile);
    expect(fs.readFileSync(ledgerFile).equals(ledgerBytes)).toBe(true);
    const retried = await run(cwd, "tls", "ca", "stage-ca", "ca-2");
    expect(retried.code).toBe(0);
    expect(retried.out).toContain("wrote         tls/ca-2/ca.crt, tls/ca-2/ca.key");
    expect(changedEntries(before, treeSnapshot(path.join(cwd, "tls")))).toEqual(["ca-2", "ca-2/ca.crt", "ca-2/ca.key", "trust-bundle.crt"]);
    expect(fs.readFileSync(path.join(cwd, "tls", "trust-bundle.crt"), "utf8").match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(JSON.parse(fs.readFileSync(ledgerFile, "utf8"))).toMatchObject({ phase: 2, cas: [{ id: "ca-1" }, { id: "ca-2", state: "staged" }] });
  });

  test("fails on a missing ledger and on bad flag values", async () => {
    const cwd = tmp();
    expect((await run(cwd, "tls", "ca", "status")).err).toMatch(/--ledger: ledger file does not exist/);
    const bad = await run(cwd, "tls", "ca", "init", "ca-1", "localhost", "--key-size", "512");
    expect(bad.code).toBe(64);
    expect(bad.err).toMatch(/--key-size: RSA key size must be 2048, 3072 or 4096 \(got 512\)/);
    expect(fs.existsSync(path.join(cwd, "tls"))).toBe(false);
  });
});
