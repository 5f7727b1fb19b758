/**
 * One property harness for every ledger kind: the same checks run on the
 * signing keyring, the CA ledger and the test-only kinds, so the engine (not a
 * kind) is what the properties pin.
 */
import fc from "fast-check";
import { StemguardError } from "../../../lib/core/errors";
import { diffSections } from "../../../lib/core/ledger/diff";
import { parseLedgerDocument, serializeLedgerDocument } from "../../../lib/core/ledger/document";
import type { AnyLedgerKind, StepRecord } from "../../../lib/core/ledger/kind";
import { appendStep, emptySection, parseSection, type LedgerSection } from "../../../lib/core/ledger/section";

/** A kind under test: its options and the candidate steps (legal or not) from a state. */
export interface KindHarness {
  readonly title: string;
  readonly kind: AnyLedgerKind;
  readonly options: unknown;
  /** Steps worth trying from `state`; `fresh` is a number no id has used yet. */
  readonly candidates: (state: never, fresh: number) => readonly Omit<StepRecord, "phase">[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Section = LedgerSection<any, any, any>;

/** A random walk: every candidate is tried; legal ones extend the ledger, illegal ones are collected. */
export function walk(h: KindHarness, choices: readonly number[]): { sections: Section[]; refused: { from: Section; step: Omit<StepRecord, "phase"> }[] } {
  const sections: Section[] = [emptySection(h.kind, h.options)];
  const refused: { from: Section; step: Omit<StepRecord, "phase"> }[] = [];
  choices.forEach((choice, i) => {
    const from = sections.at(-1)!;
    const candidates = h.candidates(from.state as never, i + 1);
    const step = candidates[choice % candidates.length];
    try {
      sections.push(appendStep(from, step));
    } catch (err) {
      if (!(err instanceof StemguardError)) throw err;
      refused.push({ from, step });
    }
  });
  return { sections, refused };
}

const text = (s: Section) => serializeLedgerDocument({ sections: [s] });

/** The shared properties, registered as tests for `h`. */
export function describeKindProperties(h: KindHarness): void {
  const choices = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 16 });
  const runs = { numRuns: 40 };

  describe(`ledger engine properties: ${h.title}`, () => {
    test("random legal walks replay to the same state and text, and each phase is one legal step of the previous", () => {
      fc.assert(
        fc.property(choices, (cs) => {
          const { sections } = walk(h, cs);
          for (let i = 1; i < sections.length; i++) {
            const written = text(sections[i]);
            const reread = parseLedgerDocument(JSON.parse(written), "walk", [h.kind]).sections[0];
            expect(text(reread)).toBe(written);
            expect(reread.phase).toBe(i);
            expect(diffSections(sections[i - 1], reread)).toMatchObject({ kind: "step", step: sections[i].history[i - 1] });
          }
        }),
        runs,
      );
    });

    test("random illegal steps are refused; a file that records one does not parse or fails review against its base", () => {
      let refusedCount = 0;
      fc.assert(
        fc.property(choices, (cs) => {
          for (const { from, step } of walk(h, cs).refused) {
            refusedCount++;
            if (from.phase === 0) continue; // a file needs an init first
            const forged = JSON.parse(text(from));
            forged.phase = from.phase + 1;
            forged.history.push({ phase: from.phase + 1, ...step });
            // Refused when read, or (a file alone cannot tell everything init chose) by review against its base.
            let parsed: Section | undefined;
            try {
              parsed = parseSection(h.kind, forged, "forged");
            } catch (err) {
              expect(err).toBeInstanceOf(StemguardError);
            }
            if (parsed) expect(diffSections(from, parsed).kind).toBe("illegal");
          }
        }),
        runs,
      );
      expect(refusedCount).toBeGreaterThan(0); // the candidates do include illegal steps
    });

    test("undoing the last step is a revert exactly when the kind's revert policy says it is safe; two steps back never", () => {
      fc.assert(
        fc.property(choices, (cs) => {
          const { sections } = walk(h, cs);
          if (sections.length < 3) return;
          const [before, after] = sections.slice(-2);
          const step = after.history.at(-1);
          const rule = h.kind.steps[step.op];
          const verdict = typeof rule.revert === "function" ? rule.revert(before.state, after.state, step) : rule.revert;
          expect(diffSections(after, before).kind).toBe(verdict.safe ? "revert" : "illegal");
          if (sections.length >= 4) expect(diffSections(after, sections.at(-3)!)).toMatchObject({ kind: "illegal", reason: expect.stringMatching(/goes back 2 phases/) });
        }),
        runs,
      );
    });

    test("unknown fields are refused, naming the field", () => {
      const { sections } = walk(h, [0, 0]);
      const data = JSON.parse(text(sections[1]));
      expect(() => parseSection(h.kind, { ...data, extra: 1 }, "f")).toThrow(/^f: extra: unknown field/);
      data.history[0].extra = true;
      expect(() => parseSection(h.kind, data, "f")).toThrow(/history\[0\]\.extra: unknown field/);
    });
  });
}
