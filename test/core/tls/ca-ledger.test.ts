import fc from "fast-check";
import { StemguardError } from "../../../lib/core/errors";
import {
  applyTlsStep,
  emptyTlsLedger,
  initTlsLedger,
  leafIssuerCaId,
  replayTlsPhases,
  trustBundleCaIds,
  type TlsCaLedger,
  type TlsStep,
} from "../../../lib/core/tls/ca-ledger";
import { diffTlsLedgers } from "../../../lib/core/tls/ca-ledger-diff";
import { parseTlsLedger, serializeTlsLedger } from "../../../lib/core/tls/ca-ledger-file";

const fp = (n: number) => Array.from({ length: 32 }, (_, i) => ((n * 37 + i) & 0xff).toString(16).padStart(2, "0").toUpperCase()).join(":");

function thrown(run: () => unknown): StemguardError {
  try {
    run();
  } catch (err) {
    if (err instanceof StemguardError) return err;
    throw err;
  }
  throw new Error("expected a StemguardError");
}

describe("CA rotation ledger: the happy path", () => {
  test("init -> stage-ca -> reissue-leaves -> retire-ca -> renew-leaves, with trust bundles and leaf issuers per phase", () => {
    const l1 = initTlsLedger("ca-2026", fp(1), { serverFingerprint256: fp(11), clientFingerprint256: fp(12) });
    const l2 = applyTlsStep(l1, { op: "stage-ca", caId: "ca-2027", caFingerprint256: fp(2) });
    const l3 = applyTlsStep(l2, { op: "reissue-leaves", serverFingerprint256: fp(21) });
    const l4 = applyTlsStep(l3, { op: "retire-ca", caId: "ca-2026" });
    const l5 = applyTlsStep(l4, { op: "renew-leaves" });
    const table = [l1, l2, l3, l4, l5].map((l) => [l.phase, trustBundleCaIds(l), leafIssuerCaId(l), l.cas.map((c) => c.state)]);
    expect(table).toEqual([
      [1, ["ca-2026"], "ca-2026", ["active"]],
      [2, ["ca-2026", "ca-2027"], "ca-2026", ["active", "staged"]],
      [3, ["ca-2026", "ca-2027"], "ca-2027", ["retiring", "active"]],
      [4, ["ca-2027"], "ca-2027", ["retired", "active"]],
      [5, ["ca-2027"], "ca-2027", ["retired", "active"]],
    ]);
    expect(l5.leaves).toEqual([
      { generation: 1, caId: "ca-2026", phase: 1, serverFingerprint256: fp(11), clientFingerprint256: fp(12) },
      { generation: 2, caId: "ca-2027", phase: 3, serverFingerprint256: fp(21) },
      { generation: 3, caId: "ca-2027", phase: 5 },
    ]);
    expect(l5.history.map((s) => `${s.phase}:${s.op}`)).toEqual(["1:init", "2:stage-ca", "3:reissue-leaves", "4:retire-ca", "5:renew-leaves"]);
    expect(JSON.stringify(l5)).not.toMatch(/PRIVATE|key"/i);
  });

  test("the file form is canonical and round-trips; replay yields every phase", () => {
    const l3 = [
      { op: "stage-ca", caId: "b", caFingerprint256: fp(2) },
      { op: "reissue-leaves" },
    ].reduce((l, s) => applyTlsStep(l, s as TlsStep), initTlsLedger("a", fp(1)));
    const text = serializeTlsLedger(l3);
    expect(JSON.parse(text)).toMatchObject({ schemaVersion: 1, kind: "stemguard.tls-ca", phase: 3 });
    expect(Object.keys(JSON.parse(text))).toEqual(["schemaVersion", "kind", "phase", "cas", "leaves", "history"]);
    expect(parseTlsLedger(JSON.parse(text))).toEqual(l3);
    expect(replayTlsPhases(l3.history).map((l) => l.phase)).toEqual([0, 1, 2, 3]);
  });
});

describe("CA rotation ledger: illegal steps", () => {
  const l1 = initTlsLedger("ca-a", fp(1));
  const l2 = applyTlsStep(l1, { op: "stage-ca", caId: "ca-b", caFingerprint256: fp(2) });
  const l3 = applyTlsStep(l2, { op: "reissue-leaves" });

  test.each<[string, TlsCaLedger, TlsStep, RegExp]>([
    ["reissue before a new CA is trusted", l1, { op: "reissue-leaves" }, /no staged CA.*Fix: run 'stage-ca <new-id>'/],
    ["retiring the only (active) CA", l1, { op: "retire-ca", caId: "ca-a" }, /only a retiring CA can be retired \(got "active"\).*stage a new CA and reissue-leaves first/],
    ["retiring a staged CA", l2, { op: "retire-ca", caId: "ca-b" }, /got "staged"/],
    ["retiring an unknown CA", l2, { op: "retire-ca", caId: "ca-z" }, /got "absent".*"ca-a", "ca-b"/],
    ["two staged CAs", l2, { op: "stage-ca", caId: "ca-c", caFingerprint256: fp(3) }, /"ca-b" is already staged/],
    ["staging while a CA is retiring", l3, { op: "stage-ca", caId: "ca-c", caFingerprint256: fp(3) }, /"ca-a" is still retiring.*retire-ca ca-a/],
    ["reusing a CA id", l1, { op: "stage-ca", caId: "ca-a", caFingerprint256: fp(3) }, /already in the ledger \(state active\)/],
    ["staging the same certificate again", l1, { op: "stage-ca", caId: "ca-c", caFingerprint256: fp(1) }, /already in the ledger as "ca-a"/],
    ["renewing leaves while a CA is staged", l2, { op: "renew-leaves" }, /staged; renewing.*Fix: run reissue-leaves/],
    ["a second init", l1, { op: "init", caId: "ca-x", caFingerprint256: fp(9) }, /already has a CA/],
    ["a step before init", emptyTlsLedger(), { op: "stage-ca", caId: "ca-x", caFingerprint256: fp(9) }, /no CA yet.*init/],
    ["a bad CA id", emptyTlsLedger(), { op: "init", caId: "ca a", caFingerprint256: fp(9) }, /CA id must match/],
    ["a bad fingerprint", emptyTlsLedger(), { op: "init", caId: "ca", caFingerprint256: "ab:cd" }, /not a SHA-256 fingerprint/],
    ["a bad leaf fingerprint", l2, { op: "reissue-leaves", serverFingerprint256: "nope" }, /serverFingerprint256: not a SHA-256/],
    ["an unknown op", l1, { op: "rotate" } as unknown as TlsStep, /unknown op/],
  ])("fails on %s", (_name, ledger, step, pattern) => {
    const error = thrown(() => applyTlsStep(ledger, step));
    expect(error.message).toMatch(pattern);
    expect(error.message).toMatch(/Fix: /);
    expect(error.field).toMatch(new RegExp(`^${String(step.op)}`));
  });
});

describe("diffTlsLedgers", () => {
  const l1 = initTlsLedger("ca-a", fp(1));
  const l2 = applyTlsStep(l1, { op: "stage-ca", caId: "ca-b", caFingerprint256: fp(2) });
  const l3 = applyTlsStep(l2, { op: "reissue-leaves" });
  const l4 = applyTlsStep(l3, { op: "retire-ca", caId: "ca-a" });

  test("one legal step is a step, with what rolls", () => {
    const bundle = "trust bundle (every component)";
    const leaves = "server and client certificates";
    expect(diffTlsLedgers(l1, l2)).toMatchObject({ kind: "step", rolls: [bundle] });
    expect(diffTlsLedgers(l2, l3)).toMatchObject({ kind: "step", rolls: [leaves] });
    const d = diffTlsLedgers(l3, l4);
    expect(d).toMatchObject({ kind: "step", rolls: [bundle] });
    expect(d.kind === "step" && d.summary).toBe('phase 3 -> 4: retire-ca "ca-a": removed from every trust bundle. Rolls: trust bundle (every component).');
    expect(diffTlsLedgers(emptyTlsLedger(), l1)).toMatchObject({ kind: "step", rolls: [bundle, leaves] });
  });

  test("the same phase is unchanged", () => {
    expect(diffTlsLedgers(l2, l2)).toEqual({ kind: "unchanged", phase: 2 });
  });

  test("fails on two steps in one diff, going back, or a rewritten history", () => {
    expect(diffTlsLedgers(l1, l3)).toEqual({ kind: "illegal", reason: expect.stringMatching(/2 steps in one pull request \(stage-ca ca-b, then reissue-leaves\)/) });
    expect(diffTlsLedgers(l3, l1)).toEqual({ kind: "illegal", reason: expect.stringMatching(/goes back 2 phases/) });
    const other = applyTlsStep(l1, { op: "stage-ca", caId: "ca-c", caFingerprint256: fp(3) });
    expect(diffTlsLedgers(l2, applyTlsStep(other, { op: "reissue-leaves" }))).toEqual({
      kind: "illegal",
      reason: expect.stringMatching(/history differs at phase 2 \(stage-ca ca-b on base, stage-ca ca-c here\)/),
    });
  });

  test("fails on an appended step that is illegal from base, with the step's reason", () => {
    const forged: TlsCaLedger = { ...l1, phase: 2, history: [...l1.history, { phase: 2, op: "reissue-leaves" }] };
    const d = diffTlsLedgers(l1, forged);
    expect(d.kind).toBe("illegal");
    expect(d.kind === "illegal" && d.reason).toMatch(/no staged CA/);
  });

  test("fails when the state does not match the recorded step", () => {
    const forged: TlsCaLedger = { ...l2, cas: [{ ...l2.cas[0] }, { ...l2.cas[1], state: "active" }] };
    expect(diffTlsLedgers(l1, forged)).toEqual({ kind: "illegal", reason: expect.stringMatching(/cas do not match what history yields \(ca-a=active, ca-b=staged\); changed outside a step/) });
  });
});

describe("parseTlsLedger", () => {
  const l2 = applyTlsStep(initTlsLedger("ca-a", fp(1)), { op: "stage-ca", caId: "ca-b", caFingerprint256: fp(2) });
  const data = () => JSON.parse(serializeTlsLedger(l2));

  test.each<[string, (d: Record<string, unknown>) => void, RegExp]>([
    ["a signing ledger", (d) => (d.kind = "stemguard.signing-keyring"), /kind: not a tls-ca ledger/],
    ["another schemaVersion", (d) => (d.schemaVersion = 2), /schemaVersion/],
    ["a hand-activated CA", (d) => ((d.cas as { state: string }[])[1].state = "active"), /cas do not match what history yields/],
    ["a wrong phase", (d) => (d.phase = 5), /phase must equal the number of history steps/],
    [
      "a removed init step",
      (d) => {
        d.history = (d.history as unknown[]).slice(1).map((s, i) => ({ ...(s as object), phase: i + 1 }));
        d.phase = 1;
      },
      /history does not replay: stage-ca ca-b: the ledger has no CA yet/,
    ],
    ["key material smuggled into a step", (d) => ((d.history as Record<string, unknown>[])[0].caKeyPem = "x"), /history\[0\]\.caKeyPem: unknown field for init/],
    ["an unknown op", (d) => ((d.history as Record<string, unknown>[])[1].op = "activate"), /op must be one of init, stage-ca/],
  ])("fails on %s", (_name, mutate, pattern) => {
    const d = data();
    mutate(d);
    expect(() => parseTlsLedger(d, "stemguard.tls.json")).toThrow(pattern);
    expect(() => parseTlsLedger(d, "stemguard.tls.json")).toThrow(/^stemguard\.tls\.json: /);
  });
});

// ---- property tests: an independent model of legality --------------------------------------------

type ModelState = Map<string, "staged" | "active" | "retiring" | "retired">;
const IDS = ["a", "b", "c", "d", "e", "bad id"];
const FPS = [fp(1), fp(2), fp(3), fp(4), fp(5), "zz"];

function modelLegal(ledger: TlsCaLedger, step: TlsStep): boolean {
  const states: ModelState = new Map(ledger.cas.map((c) => [c.id, c.state]));
  const has = (s: string) => [...states.values()].includes(s as never);
  const fpsUsed = new Set(ledger.cas.map((c) => c.fingerprint256));
  const validId = (id: string) => /^[A-Za-z0-9._-]{1,64}$/.test(id);
  const validFp = (f: string) => f !== "zz";
  if (step.op === "init") return states.size === 0 && validId(step.caId) && validFp(step.caFingerprint256);
  if (states.size === 0) return false;
  switch (step.op) {
    case "stage-ca":
      return validId(step.caId) && validFp(step.caFingerprint256) && !states.has(step.caId) && !fpsUsed.has(step.caFingerprint256) && !has("staged") && !has("retiring");
    case "reissue-leaves":
      return has("staged");
    case "retire-ca":
      return states.get(step.caId) === "retiring";
    case "renew-leaves":
      return !has("staged");
  }
}

const stepArb: fc.Arbitrary<TlsStep> = fc.oneof(
  fc.record({ op: fc.constant("init" as const), caId: fc.constantFrom(...IDS), caFingerprint256: fc.constantFrom(...FPS) }),
  fc.record({ op: fc.constant("stage-ca" as const), caId: fc.constantFrom(...IDS), caFingerprint256: fc.constantFrom(...FPS) }),
  fc.constant({ op: "reissue-leaves" as const }),
  fc.record({ op: fc.constant("retire-ca" as const), caId: fc.constantFrom(...IDS) }),
  fc.constant({ op: "renew-leaves" as const }),
);

/** Every candidate step the model considers legal from `ledger` (ids and fingerprints from the pools). */
function legalCandidates(ledger: TlsCaLedger): TlsStep[] {
  const all: TlsStep[] = [{ op: "reissue-leaves" }, { op: "renew-leaves" }];
  for (const caId of IDS) {
    all.push({ op: "retire-ca", caId });
    for (const caFingerprint256 of FPS) all.push({ op: "init", caId, caFingerprint256 }, { op: "stage-ca", caId, caFingerprint256 });
  }
  return all.filter((s) => modelLegal(ledger, s));
}

/** Builds a legal sequence by picking among the model's legal steps with the given choices. */
function legalRun(choices: number[]): TlsCaLedger[] {
  const phases = [emptyTlsLedger()];
  for (const choice of choices) {
    const candidates = legalCandidates(phases[phases.length - 1]);
    if (candidates.length === 0) break; // ids or fingerprints of the pool are used up
    phases.push(applyTlsStep(phases[phases.length - 1], candidates[choice % candidates.length]));
  }
  return phases;
}

describe("CA rotation ledger properties", () => {
  test("random legal sequences keep every leaf issuer trusted in its phase and the previous one", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (choices) => {
        const phases = legalRun(choices);
        for (let n = 1; n < phases.length; n++) {
          const now = phases[n];
          const prev = phases[n - 1];
          const issuer = leafIssuerCaId(now)!;
          expect(now.cas.filter((c) => c.state === "active")).toHaveLength(1);
          expect(trustBundleCaIds(now)).toContain(issuer);
          expect(trustBundleCaIds(now).length).toBeLessThanOrEqual(2);
          if (n >= 2) {
            // New leaves are trusted by peers still on the previous phase's bundle,
            // and the previous phase's leaves are still trusted by peers already on this one.
            expect(trustBundleCaIds(prev)).toContain(issuer);
            expect(trustBundleCaIds(now)).toContain(leafIssuerCaId(prev));
          }
          expect(diffTlsLedgers(prev, now).kind).toBe("step");
          if (n >= 2) expect(diffTlsLedgers(phases[n - 2], now).kind).toBe("illegal");
        }
        const last = phases[phases.length - 1];
        expect(parseTlsLedger(JSON.parse(serializeTlsLedger(last)))).toEqual(last);
      }),
      { numRuns: 200 },
    );
  });

  test("random steps are refused exactly when the model says they are illegal", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 25 }), fc.array(stepArb, { minLength: 1, maxLength: 10 }), (choices, steps) => {
        let ledger = legalRun(choices).at(-1)!;
        for (const step of steps) {
          if (modelLegal(ledger, step)) {
            ledger = applyTlsStep(ledger, step);
          } else {
            const before = JSON.stringify(ledger);
            const error = thrown(() => applyTlsStep(ledger, step));
            expect(error.message).toMatch(/Fix: /);
            expect(JSON.stringify(ledger)).toBe(before);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  test("a diff that appends an illegal step is illegal", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 20 }), stepArb, (choices, step) => {
        const base = legalRun(choices).at(-1)!;
        fc.pre(!modelLegal(base, step));
        const head = { ...base, phase: base.phase + 1, history: [...base.history, { ...step, phase: base.phase + 1 }] } as TlsCaLedger;
        expect(diffTlsLedgers(base, head).kind).toBe("illegal");
      }),
      { numRuns: 300 },
    );
  });
});
