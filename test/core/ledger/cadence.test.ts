import { diffSections } from "../../../lib/core/ledger/diff";
import { sectionDue } from "../../../lib/core/ledger/due";
import { parseLedgerDocument, serializeLedgerDocument } from "../../../lib/core/ledger/document";
import { parseCadence } from "../../../lib/core/ledger/cadence";
import { applyStep, initLedger, signingSection } from "../../../lib/core/keyring/steps";
import { parseLedger, serializeLedger } from "../../../lib/core/keyring/ledger-file";
import type { SigningLedger } from "../../../lib/core/keyring/types";
import { applyTlsStep, initTlsLedger, tlsSection } from "../../../lib/core/tls/ca-ledger";
import type { TlsCaLedger } from "../../../lib/core/tls/ca-ledger-types";
import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, serializeRedisLedger } from "../../../lib/core/redis/ledger-file";
import { LEDGER_KINDS } from "../../../lib/review/ledger-kinds";

const FP = (n: number) => Array.from({ length: 32 }, () => n.toString(16).padStart(2, "0").toUpperCase()).join(":");
const cadence = (maxAgeDays: Record<string, number>, since = "2026-09-01", stepDays = 7) => ({ maxAgeDays, stepDays, since });

/** Runs `fn` with the clock at `date` (steps stamp their `at` from it). */
function on<T>(date: string, fn: () => T): T {
  jest.useFakeTimers({ now: new Date(`${date}T12:00:00Z`) });
  try {
    return fn();
  } finally {
    jest.useRealTimers();
  }
}

function signingWithCadence(): SigningLedger {
  return { ...initLedger("hmac-sha256", "k1"), cadence: cadence({ key: 90 }) };
}

describe("dates and cadence in the ledger", () => {
  test("a step records its UTC date once the section has a cadence, and the file round-trips", () => {
    const staged = on("2026-12-07", () => applyStep(signingWithCadence(), "stage", "k2"));
    expect(staged.history.map((s) => s.at)).toEqual([undefined, "2026-12-07"]);
    const text = serializeLedger(staged);
    expect(text).toContain('{"phase": 2, "op": "stage", "keyId": "k2", "at": "2026-12-07"}');
    expect(text).toMatch(/"cadence": \{\n {4}"maxAgeDays": \{\n {6}"key": 90\n {4}\},\n {4}"stepDays": 7,\n {4}"since": "2026-09-01"\n {2}\}/);
    expect(serializeLedger(parseLedger(JSON.parse(text)))).toBe(text);
  });

  test("without a cadence no date is written (files of earlier versions stay byte for byte)", () => {
    const staged = on("2026-12-07", () => applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2"));
    expect(serializeLedger(staged)).not.toMatch(/"at"|cadence/);
  });

  test.each([
    ["an impossible date", (l: Record<string, unknown>) => ((l.history as Record<string, unknown>[])[1].at = "2026-02-30"), /history\[1\]\.at: expected a UTC date written YYYY-MM-DD \(got "2026-02-30"\)/],
    ["dates out of order", (l: Record<string, unknown>) => ((l.history as Record<string, unknown>[])[0].at = "2026-12-08"), /step 2 is dated before the step before it \(2026-12-08\)/],
    ["an undated step after a dated one", (l: Record<string, unknown>) => {
      (l.history as Record<string, unknown>[])[0].at = "2026-12-01";
      delete (l.history as Record<string, unknown>[])[1].at;
    }, /step 2 has no date, but an earlier step has one/],
    ["an unknown cadence field", (l: Record<string, unknown>) => ((l.cadence as Record<string, unknown>).maxAge = 3), /cadence\.maxAge: unknown field in cadence/],
    ["a credential the kind does not have", (l: Record<string, unknown>) => ((l.cadence as Record<string, unknown>).maxAgeDays = { ca: 30 }), /cadence\.maxAgeDays: not a credential of this ledger \(key\) \(got "ca"\)/],
    ["zero days", (l: Record<string, unknown>) => ((l.cadence as Record<string, unknown>).stepDays = 0), /cadence\.stepDays: expected whole days from 1 to 3650/],
  ])("refuses %s, naming the field", (_name, edit, message) => {
    const data = JSON.parse(serializeLedger(on("2026-12-07", () => applyStep(signingWithCadence(), "stage", "k2")))) as Record<string, unknown>;
    edit(data);
    expect(() => parseLedger(data, "stemguard.rotation.json")).toThrow(message);
  });

  test("a kind with nothing that ages (the Redis TLS mode) takes no cadence", () => {
    const doc = JSON.parse(serializeRedisLedger(initRedisLedger("plain"))) as Record<string, unknown>;
    const sections = doc.sections as Record<string, unknown>[];
    sections[0].cadence = cadence({ mode: 30 });
    expect(() => parseLedgerDocument(doc, "stemguard.redis.json", LEDGER_KINDS)).toThrow(/sections\[0\]: cadence: this ledger kind has no credential that ages/);
  });

  test("parseCadence names the CLI's flags when asked", () => {
    expect(() => parseCadence({ maxAgeDays: { key: 0 }, stepDays: 7, since: "2026-12-07" }, ["key"], "--max-age", "fix", { maxAgeDays: "--max-age" })).toThrow(/^--max-age: expected whole days/);
  });
});

describe("what is due", () => {
  const due = (ledger: SigningLedger, today: string) => sectionDue(signingSection(ledger), today).items.map((i) => [i.credential, i.id, i.ageDays, i.dueOn, i.status, i.command]);

  test("the active key: ok, due 14 days before its maximum age, overdue at it; undated steps count from since", () => {
    const ledger = signingWithCadence();
    expect(due(ledger, "2026-11-15")).toEqual([["key", "k1", 75, "2026-11-16", "ok", "stemguard rotate stage k2026-11"]]);
    expect(due(ledger, "2026-11-16")).toEqual([["key", "k1", 76, "2026-11-16", "due", "stemguard rotate stage k2026-11"]]);
    expect(due(ledger, "2026-11-30")).toEqual([["key", "k1", 90, "2026-11-16", "overdue", "stemguard rotate stage k2026-11"]]);
    expect(sectionDue(signingSection(ledger), "2026-11-30").items[0].undated).toBe(true);
  });

  test("a rotation in progress: the next step is due the day after the last one and overdue after stepDays; the new key's age counts from its stage date", () => {
    const staged = on("2026-12-07", () => applyStep(signingWithCadence(), "stage", "k2"));
    expect(due(staged, "2026-12-07")[0]).toEqual(["rotation", "activate k2", 0, "2026-12-08", "ok", "stemguard rotate activate k2"]);
    expect(due(staged, "2026-12-08")[0]).toEqual(["rotation", "activate k2", 1, "2026-12-08", "due", "stemguard rotate activate k2"]);
    expect(due(staged, "2026-12-14")[0]).toEqual(["rotation", "activate k2", 7, "2026-12-08", "overdue", "stemguard rotate activate k2"]);
    const active = on("2026-12-09", () => applyStep(staged, "activate", "k2"));
    const retired = on("2026-12-16", () => applyStep(active, "retire", "k1"));
    expect(due(active, "2026-12-10")[0]).toEqual(["rotation", "retire k1", 1, "2026-12-10", "due", "stemguard rotate retire k1 --broker \"$STEM_BROKER_URL\""]);
    // k2 was created by its stage step on 2026-12-07: due 76 days later.
    expect(due(retired, "2027-02-20")).toEqual([["key", "k2", 75, "2027-02-21", "ok", "stemguard rotate stage k2027-02"]]);
    expect(due(retired, "2027-02-21")[0][4]).toBe("due");
  });

  test("a producers-first adoption waits for enforce", () => {
    const ledger = { ...initLedger("hmac-sha256", "k1", { producersFirst: true }), cadence: cadence({ key: 90 }) };
    expect(due(ledger, "2026-09-03")[0]).toEqual(["rotation", "enforce", 2, "2026-09-02", "due", "stemguard rotate enforce --broker \"$STEM_BROKER_URL\""]);
  });

  test("a fresh id never repeats one in the ledger", () => {
    const ledger = on("2026-11-20", () => applyStep(applyStep(applyStep(applyStep(signingWithCadence(), "stage", "k2026-11"), "activate", "k2026-11"), "retire", "k1"), "stage", "k2026-11-2"));
    const withoutStaged = { ...ledger, cadence: cadence({ key: 1 }, "2026-11-20") };
    expect(sectionDue(signingSection(withoutStaged), "2026-11-21").items.map((i) => i.command)).toEqual(["stemguard rotate activate k2026-11-2", "stemguard rotate activate k2026-11-2"]);
    const settled = on("2026-11-20", () => applyStep(applyStep(ledger, "activate", "k2026-11-2"), "retire", "k2026-11"));
    expect(sectionDue(signingSection({ ...settled, cadence: cadence({ key: 4 }) }), "2026-11-30").items[0].command).toBe("stemguard rotate stage k2026-11-3");
  });

  test("TLS: the CA and the leaves age apart; a staged CA waits for reissue-leaves", () => {
    const tls: TlsCaLedger = { ...initTlsLedger("ca-2026", FP(1), { serverFingerprint256: FP(2), clientFingerprint256: FP(3) }), cadence: cadence({ ca: 1825, leaves: 90 }) };
    const items = (l: typeof tls, today: string) => sectionDue(tlsSection(l), today).items.map((i) => [i.credential, i.id, i.status, i.command]);
    expect(items(tls, "2026-11-20")).toEqual([
      ["ca", "ca-2026", "ok", "stemguard tls ca stage-ca ca-2026-11"],
      ["leaves", "generation 1", "due", "stemguard tls ca renew-leaves"],
    ]);
    const staged = on("2026-12-01", () => applyTlsStep(tls, { op: "stage-ca", caId: "ca-2027", caFingerprint256: FP(4) }));
    expect(items(staged, "2026-12-03")[0]).toEqual(["rotation", "reissue-leaves", "due", "stemguard tls ca reissue-leaves"]);
    const reissued = on("2026-12-04", () => applyTlsStep(staged, { op: "reissue-leaves", serverFingerprint256: FP(5), clientFingerprint256: FP(6) }));
    expect(items(reissued, "2026-12-05")).toEqual([
      ["rotation", "retire-ca ca-2026", "due", "stemguard tls ca retire-ca ca-2026"],
      ["ca", "ca-2027", "due", "stemguard tls ca retire-ca ca-2026"],
      ["leaves", "generation 2", "due", "stemguard tls ca retire-ca ca-2026"],
    ].map((row, i) => (i === 0 ? row : [row[0], row[1], "ok", row[3]])));
  });

  test("Redis passwords: stage a new one when the active one is due", () => {
    const tlsOn = applyRedisTlsStep(applyRedisTlsStep(applyRedisTlsStep(initRedisLedger("plain"), { op: "mode", mode: "dual" }), { op: "mode", mode: "clients-tls" }), { op: "mode", mode: "tls-only" });
    const withPassword = applyRedisPasswordStep(tlsOn, "init", "p1");
    const section = { ...withPassword.passwords!, cadence: cadence({ password: 180 }) };
    expect(sectionDue(section, "2027-02-20").items.map((i) => [i.credential, i.id, i.status, i.command])).toEqual([["password", "p1", "due", "stemguard redis password stage p2027-02"]]);
  });

  test("no cadence: nothing is ever due", () => {
    expect(sectionDue(signingSection(initLedger("hmac-sha256", "k1")), "2036-01-01")).toEqual({ kind: "signing-keyring", items: [] });
  });
});

describe("review of cadence changes", () => {
  const base = signingSection(initLedger("hmac-sha256", "k1"));
  const withCadence = signingSection(signingWithCadence());

  test("declaring or changing a cadence alone takes no step and says so", () => {
    const diff = diffSections(base, withCadence);
    expect(diff).toEqual({ kind: "unchanged", phase: 1, cadence: "no cadence -> max age key 90 days; next step of a rotation within 7 days (since 2026-09-01)" });
  });

  test("a cadence change together with a step is refused", () => {
    const head = signingSection(on("2026-12-07", () => applyStep(signingWithCadence(), "stage", "k2")));
    expect(diffSections(base, head)).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/the cadence changes in the same pull request as a step .*change it in a pull request of its own/) });
  });

  test("a step under a cadence is legal; a changed date of an earlier step is a changed history", () => {
    const head = on("2026-12-07", () => applyStep(signingWithCadence(), "stage", "k2"));
    expect(diffSections(withCadence, signingSection(head)).kind).toBe("step");
    const next = on("2026-12-09", () => applyStep(head, "activate", "k2"));
    const edited = { ...next, history: next.history.map((s) => (s.phase === 2 ? { ...s, at: "2026-12-08" } : s)) };
    expect(diffSections(signingSection(head), signingSection(edited))).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/history differs at phase 2/) });
  });

  test("a new ledger may start with a cadence", () => {
    const doc = parseLedgerDocument(JSON.parse(serializeLedgerDocument({ sections: [withCadence] })), "f", LEDGER_KINDS);
    expect(doc.sections[0].cadence).toEqual(cadence({ key: 90 }));
  });
});
