import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { fakeIo } from "../support/fake-io";

/** A repository directory (a `.git` marks its root) with a signing ledger declared in stemguard.json. */
async function repoWithKeyring(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-due-"));
  fs.mkdirSync(path.join(dir, ".git"));
  expect(await main(["rotate", "init", "k1", "--algorithm", "hmac-sha256"], fakeIo(dir))).toBe(0);
  return dir;
}

async function run(dir: string, ...argv: string[]) {
  const io = fakeIo(dir);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe("stemguard cadence and stemguard due (fixed clocks through --today and --since)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await repoWithKeyring();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("without a cadence nothing is due, and the report says how to declare one", async () => {
    const r = await run(dir, "due", "--today", "2030-01-01");
    expect(r.code).toBe(0);
    expect(r.out).toBe("no cadence: stemguard.rotation.json [signing-keyring] is never due; declare one with 'stemguard cadence stemguard.rotation.json --max-age ...'\ndue: nothing due on 2030-01-01\n");
  });

  test("ok, then due, then overdue, naming the step and the command; --json carries the same", async () => {
    expect((await run(dir, "cadence", "stemguard.rotation.json", "--max-age", "90d", "--since", "2026-09-01")).out).toBe(
      "cadence: stemguard.rotation.json [signing-keyring]: max age key 90 days; next step of a rotation within 7 days (since 2026-09-01)\n",
    );
    const ok = await run(dir, "due", "--today", "2026-11-15");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("stemguard.rotation.json  signing-keyring  key   k1  75d*  90d    2026-11-16  ok");
    expect(ok.out).toMatch(/due: nothing due on 2026-11-15\n$/);
    const due = await run(dir, "due", "--today", "2026-11-20");
    expect(due.code).toBe(1);
    expect(due.out).toContain("due: stemguard.rotation.json [signing-keyring] key k1 is 80 days old (maximum 90); next step: stage k2026-11\n  run: stemguard rotate stage k2026-11\n");
    expect(due.out).toMatch(/due: 1 step due on 2026-11-20\n$/);
    const json = await run(dir, "due", "--today", "2026-12-01", "--json");
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as { ok: boolean; due: { file: string; status: string; command: string }[] };
    expect(report.ok).toBe(false);
    expect(report.due).toEqual([expect.objectContaining({ file: "stemguard.rotation.json", status: "overdue", command: "stemguard rotate stage k2026-12" })]);
  });

  test("the step it names is the one the ledger takes next, and that step records its date", async () => {
    await run(dir, "cadence", "stemguard.rotation.json", "--max-age", "90", "--since", "2026-09-01");
    expect((await run(dir, "rotate", "stage", "k2026-11")).code).toBe(0);
    const ledger = JSON.parse(fs.readFileSync(path.join(dir, "stemguard.rotation.json"), "utf8")) as { history: { at?: string }[] };
    expect(ledger.history[1].at).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const today = ledger.history[1].at!;
    const r = await run(dir, "due", "--today", today);
    expect(r.out).toContain("rotation  activate k2026-11");
    const nextDay = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const later = await run(dir, "due", "--today", nextDay);
    expect(later.code).toBe(1);
    expect(later.out).toContain("run: stemguard rotate activate k2026-11");
  });

  test.each([
    [["cadence", "stemguard.rotation.json", "--max-age", "ca=3"], /^stemguard: --max-age: not a credential of this ledger \(key\) \(got "ca"\)/],
    [["cadence", "stemguard.rotation.json", "--max-age", "0"], /^stemguard: --max-age: expected whole days from 1 to 3650/],
    [["cadence", "stemguard.rotation.json", "--max-age", "90", "--step-days", "x"], /^stemguard: --step-days: not a whole number/],
    [["cadence", "stemguard.rotation.json", "--max-age", "90", "--since", "2026-13-01"], /^stemguard: --since: expected a UTC date written YYYY-MM-DD/],
    [["cadence", "stemguard.rotation.json", "--max-age", "90", "--kind", "tls-ca"], /^stemguard: --kind: no section of this kind takes a cadence in the file/],
    [["cadence", "missing.json", "--max-age", "90"], /^stemguard: LEDGER: /],
    [["due", "--today", "tomorrow"], /^stemguard: --today: expected a UTC date written YYYY-MM-DD \(got "tomorrow"\)/],
  ])("%j is refused with exit 64 and nothing written", async (argv, message) => {
    const before = fs.readFileSync(path.join(dir, "stemguard.rotation.json"), "utf8");
    const r = await run(dir, ...argv);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(message);
    expect(fs.readFileSync(path.join(dir, "stemguard.rotation.json"), "utf8")).toBe(before);
  });

  test("fails closed: a missing manifest, or a declared ledger that is missing or hand-edited, exits 64", async () => {
    const ledger = path.join(dir, "stemguard.rotation.json");
    const text = fs.readFileSync(ledger, "utf8");
    fs.writeFileSync(ledger, text.replace('"active"', '"retired"'));
    expect((await run(dir, "due")).code).toBe(64);
    fs.rmSync(ledger);
    const missing = await run(dir, "due");
    expect(missing.code).toBe(64);
    expect(missing.err).toMatch(/stemguard\.json: stemguard\.rotation\.json/);
    fs.rmSync(path.join(dir, "stemguard.json"));
    const noManifest = await run(dir, "due");
    expect(noManifest.code).toBe(64);
    expect(noManifest.err).toMatch(/^stemguard: stemguard\.json: /);
  });
});
