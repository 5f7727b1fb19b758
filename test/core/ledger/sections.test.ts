import { parseLedgerDocument, serializeLedgerDocument } from "../../../lib/core/ledger/document";
import { appendStep, emptySection } from "../../../lib/core/ledger/section";
import { reviewPullRequest, reviewSection } from "../../../lib/review/ledger-review";
import { redisPasswordsKind, redisTlsModeKind } from "./toy-kinds";

const kinds = [redisTlsModeKind, redisPasswordsKind];
const mode1 = appendStep(emptySection(redisTlsModeKind, {}), { op: "init", to: "plain" });
const pw1 = appendStep(emptySection(redisPasswordsKind, {}), { op: "init", id: "p1" });

describe("a ledger file with sections of two kinds", () => {
  test("serializes and parses back to the same text", () => {
    const text = serializeLedgerDocument({ sections: [mode1, pw1] });
    expect(text).toMatch(/^\{\n {2}"schemaVersion": 1,\n {2}"sections": \[\n {4}\{\n {6}"kind": "test.redis-tls-mode"/);
    const doc = parseLedgerDocument(JSON.parse(text), "f", kinds);
    expect(doc.sections.map((s) => [s.kind.name, s.phase])).toEqual([["redis-tls-mode", 1], ["redis-passwords", 1]]);
    expect(serializeLedgerDocument(doc)).toBe(text);
  });

  test("one step in one section passes; a step in each section of the same file fails, naming both", () => {
    const mode2 = appendStep(mode1, { op: "advance", to: "dual" });
    const pw2 = appendStep(pw1, { op: "stage", id: "p2" });
    const one = reviewPullRequest([reviewSection(mode1, mode2, "stemguard.redis.json"), reviewSection(pw1, pw1, "stemguard.redis.json")]);
    expect(one).toMatchObject({ ok: true, steps: ["stemguard.redis.json [redis-tls-mode]: advance dual"] });
    const two = reviewPullRequest([reviewSection(mode1, mode2, "stemguard.redis.json"), reviewSection(pw1, pw2, "stemguard.redis.json")]);
    expect(two.ok).toBe(false);
    expect(two.markdown).toMatch(/2 steps in one pull request \(stemguard\.redis\.json \[redis-tls-mode\]: advance dual; stemguard\.redis\.json \[redis-passwords\]: stage p2\)/);
  });

  test("refuses unknown root fields, a kind twice, and an unknown kind, naming the field", () => {
    const data = JSON.parse(serializeLedgerDocument({ sections: [mode1, pw1] }));
    expect(() => parseLedgerDocument({ ...data, note: "x" }, "f", kinds)).toThrow(/^f: note: unknown field/);
    expect(() => parseLedgerDocument({ ...data, sections: [data.sections[0], data.sections[0]] }, "f", kinds)).toThrow(/sections\[1\]\.kind: two sections of kind test\.redis-tls-mode/);
    expect(() => parseLedgerDocument(data, "f", [redisTlsModeKind])).toThrow(/sections\[1\]\.kind: not a redis-tls-mode ledger/);
  });
});
