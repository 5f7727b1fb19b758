import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emptyTlsLedger, type TlsCaLedger } from "../../../lib/core/tls/ca-ledger";
import { readTlsLedgerFile, serializeTlsLedger } from "../../../lib/core/tls/ca-ledger-file";
import { TRUST_BUNDLE_FILE, commitTlsStep, performTlsStep, planTlsStep, type TlsStepRequest } from "../../../lib/core/tls/ca-rotation";
import { changedEntries, treeSnapshot } from "./tree-snapshot";

/**
 * A failed step must leave material and ledger as they were, and the same
 * step must then go through. The ledger path is made a directory, which
 * stops the write for root too, after the material is already in place (the
 * ledger is written last), so every rollback path runs.
 */
describe("commitTlsStep: all or nothing with the ledger", () => {
  let work: string;
  let material: string;
  let ledgerFile: string;
  let ledger: TlsCaLedger = emptyTlsLedger();

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-tls-commit-"));
    material = path.join(work, "tls");
    ledgerFile = path.join(work, "stemguard.tls.json");
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  // Each op in rotation order, with the material entries a successful step adds or replaces.
  const steps: [string, TlsStepRequest, string[]][] = [
    ["init", { op: "init", caId: "ca-1", sans: "localhost,127.0.0.1" }, ["ca-1", ...["ca.crt", "ca.key", "client.crt", "client.key", "server.crt", "server.key"].map((f) => `ca-1/${f}`)]],
    ["stage-ca", { op: "stage-ca", caId: "ca-2" }, ["ca-2", "ca-2/ca.crt", "ca-2/ca.key"]],
    ["reissue-leaves", { op: "reissue-leaves" }, ["ca-2/client.crt", "ca-2/client.key", "ca-2/server.crt", "ca-2/server.key"]],
    ["retire-ca", { op: "retire-ca", caId: "ca-1" }, []],
    ["renew-leaves", { op: "renew-leaves" }, ["ca-2/client.crt", "ca-2/client.key", "ca-2/server.crt", "ca-2/server.key"]],
  ];

  test.each(steps)("fails %s when the ledger cannot be written, leaving material and ledger unchanged; the retry succeeds", async (_op, request, added) => {
    const plan = await planTlsStep(ledger, request, { materialDir: material, keySize: 2048 });
    const ledgerBefore = fs.existsSync(ledgerFile) ? fs.readFileSync(ledgerFile) : undefined;
    // The obstacle: a directory where the ledger goes (holding the old ledger, so its bytes can be checked).
    fs.rmSync(ledgerFile, { force: true });
    fs.mkdirSync(ledgerFile);
    if (ledgerBefore) fs.writeFileSync(path.join(ledgerFile, "kept"), ledgerBefore);
    const before = treeSnapshot(work);

    expect(() => commitTlsStep(plan, { ledgerFile, ledgerField: "--ledger" })).toThrow(
      ledger.phase === 0 ? /^--ledger: file exists; refusing to overwrite it/ : /^--ledger: cannot write the file \(EISDIR\).*Fix: the path is a directory/,
    );
    expect(treeSnapshot(work)).toEqual(before);

    fs.rmSync(ledgerFile, { recursive: true });
    if (ledgerBefore) fs.writeFileSync(ledgerFile, ledgerBefore);
    const ready = treeSnapshot(material);
    const result = commitTlsStep(plan, { ledgerFile, ledgerField: "--ledger" });

    // The same files as a step always wrote: the material of this op and the trust bundle, with the planned bytes.
    expect(changedEntries(ready, treeSnapshot(material))).toEqual([...added, TRUST_BUNDLE_FILE].sort());
    expect(result.written).toEqual(plan.files.map((f) => f.file));
    for (const f of plan.files) {
      expect(fs.readFileSync(f.file, "utf8") === f.content).toBe(true);
      expect(fs.statSync(f.file).mode & 0o777).toBe(f.file.endsWith(".key") ? 0o600 : 0o644);
    }
    for (const dir of added.filter((a) => !a.includes("/"))) expect(fs.statSync(path.join(material, dir)).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(ledgerFile, "utf8")).toBe(serializeTlsLedger(result.ledger));
    expect(readTlsLedgerFile(ledgerFile)).toEqual(result.ledger);
    ledger = result.ledger;
  });

  test("fails to stage a CA over files left in its directory, before writing anything", async () => {
    fs.mkdirSync(path.join(material, "ca-9"));
    fs.writeFileSync(path.join(material, "ca-9", "ca.key"), "left over\n");
    const before = treeSnapshot(work);
    await expect(planTlsStep(ledger, { op: "stage-ca", caId: "ca-9" }, { materialDir: material })).rejects.toThrow(/^<ca-id>: the new CA's directory .*ca-9 already holds ca\.key, which no ledger step wrote \(got "ca-9"\)\. Fix: choose another CA id, or remove/);
    expect(treeSnapshot(work)).toEqual(before);
    fs.rmSync(path.join(material, "ca-9"), { recursive: true });
  });

  test("fails a whole step through performTlsStep when the ledger's directory is missing, and the same call then succeeds", async () => {
    const other = path.join(work, "not-yet", "stemguard.tls.json");
    const before = treeSnapshot(work);
    const stage: TlsStepRequest = { op: "stage-ca", caId: "ca-3" };
    const options = { materialDir: material, keySize: 2048 as const, ledgerFile: other, ledgerField: "--ledger" };
    await expect(performTlsStep(ledger, stage, options)).rejects.toThrow(/^--ledger: cannot write the file \(ENOENT\).*Fix: create the directory first/);
    expect(treeSnapshot(work)).toEqual(before);
    fs.mkdirSync(path.dirname(other));
    const done = await performTlsStep(ledger, stage, options);
    expect(done.ledger.cas.map((c) => `${c.id}:${c.state}`)).toEqual(["ca-1:retired", "ca-2:active", "ca-3:staged"]);
    expect(readTlsLedgerFile(other)).toEqual(done.ledger);
    expect(fs.readFileSync(path.join(material, TRUST_BUNDLE_FILE), "utf8").match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });
});
