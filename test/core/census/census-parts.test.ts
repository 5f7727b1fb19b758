import { BoundedIdSet } from "../../../lib/core/census/bounded-id-set";
import { viewDeadLetter, viewEnvelopeJson, viewStreamEntry, UNREADABLE } from "../../../lib/core/census/envelope-view";
import { deadLetterErrorClass } from "../../../lib/core/census/error-class";
import { isControlQueue, queueOfStreamKey } from "../../../lib/core/census/stem-keys";
import { compareStreamIds } from "../../../lib/core/census/stream-id";
import { DEAD_LETTER_ERROR_CLASSES } from "../../../lib/core/metrics/census-metrics";
import { CENSUS_USER_RULES, renderCensusUserAcl } from "../../../lib/core/redis/census-user";
import { redisPasswordHash } from "../../../lib/core/redis/password";
import { renderUsersAcl } from "../../../lib/core/redis/server-config";
import { refused } from "../../support/refused";

describe("Stem's key layout", () => {
  test.each([
    ["stem:stream:default", "default"],
    ["stem:stream:default:p3", "default"],
    ["stem:stream:default:p9", "default"],
    ["stem:stream:a:p10", "a:p10"],
    ["stem:stream:a:p0", "a:p0"],
    ["stem:stream:x:p3:p3", "x:p3"],
  ])("%s is queue %s", (key, queue) => expect(queueOfStreamKey(key)).toBe(queue));

  test("control queues are Stem's stem.control.* queues only", () => {
    expect(["stem.control.worker.w1", "stem.control.broadcast", "stem.control.reply.r1"].every(isControlQueue)).toBe(true);
    expect(["stem.controls", "default", "stem"].some(isControlQueue)).toBe(false);
  });

  test("stream ids compare numerically, not as text", () => {
    expect(compareStreamIds("9-0", "10-0")).toBeLessThan(0);
    expect(compareStreamIds("10-2", "10-10")).toBeLessThan(0);
    expect(compareStreamIds("10-2", "10-2")).toBe(0);
  });
});

describe("reading envelope copies", () => {
  test("stream fields, ZSET members and dead letters give the id and key id; anything else is unreadable, not guessed", () => {
    expect(viewStreamEntry(["id", "t1", "headers", '{"stem-signature-key":"k1"}', "enqueuedAt", "2026-12-01T00:00:00.000Z"])).toEqual({ id: "t1", keyId: "k1", enqueuedAtMs: Date.parse("2026-12-01T00:00:00Z") });
    expect(viewStreamEntry(["id", "t1", "headers", "{}"])).toEqual({ id: "t1", keyId: "(unsigned)", enqueuedAtMs: undefined });
    expect(viewStreamEntry(["id", "t1", "headers", "not json"])).toBe(UNREADABLE);
    expect(viewStreamEntry(["id", "t1", "headers", "[1]"])).toBe(UNREADABLE);
    expect(viewEnvelopeJson('{"id":"t2","headers":{"stem-signature-key":"k2"}}')).toMatchObject({ id: "t2", keyId: "k2" });
    expect(viewEnvelopeJson("{")).toBe(UNREADABLE);
    expect(viewDeadLetter('{"envelope":{"id":"t3","headers":{}},"reason":"signature-invalid","meta":{"error":"unknown signing key \\"old\\"","keyId":"old"}}')).toEqual({
      envelope: { id: "t3", keyId: "(unsigned)", enqueuedAtMs: undefined },
      reason: "signature-invalid",
      error: 'unknown signing key "old"',
      failedKeyId: "old",
    });
    expect(viewDeadLetter('{"envelope":{},"reason":"unregistered-task","meta":null}')).toMatchObject({ reason: "unregistered-task", error: undefined, failedKeyId: undefined });
    expect(viewDeadLetter("[]")).toBeUndefined();
  });

  test("meta.error maps onto the bounded error classes only", () => {
    const cases: [string | undefined, string][] = [
      ['unknown signing key "k0"', "unknown signing key"],
      ["SignatureVerificationException: missing signature headers", "missing signature headers"],
      ["signature mismatch", "signature mismatch"],
      ["signature header is not base64 encoded", "other"],
      ["StateError: boom", "other"],
      [undefined, "none"],
      ["", "none"],
    ];
    for (const [error, cls] of cases) expect(deadLetterErrorClass(error)).toBe(cls);
    for (const [, cls] of cases) expect(DEAD_LETTER_ERROR_CLASSES).toContain(cls);
  });

  test("the deduplication set never holds more than its bound and never hides a copy past it", () => {
    const set = new BoundedIdSet(2);
    expect([set.add("a"), set.add("a"), set.add("b"), set.add("c"), set.add("c")]).toEqual([true, false, true, true, true]);
    expect({ size: set.size, duplicates: set.duplicates, exhausted: set.exhausted }).toEqual({ size: 2, duplicates: 1, exhausted: true });
  });
});

describe("the census's read-only Redis user", () => {
  const hash = redisPasswordHash("census-password-0123456789-abcdefghij");

  test("renders the ACL line of the issue", () => {
    expect(renderCensusUserAcl({ passwordHash: hash })).toBe(`user stemguard-census on #${hash} resetkeys %R~stem:* resetchannels -@all +@read -@dangerous +ping +hello +select`);
    expect(CENSUS_USER_RULES).not.toMatch(/\+@write|~\*|&\*/);
  });

  test("users.acl includes it when asked, after the default user and any extra users", () => {
    const phase = { mode: "tls-only", clientAuth: "yes", acceptedPasswords: ["pw1"], activePassword: "pw1" } as const;
    expect(renderUsersAcl(phase, () => "a".repeat(64), [], { censusUser: { name: "census", passwordHash: hash } }).split("\n")).toEqual([`user default on #${"a".repeat(64)} ~* &* +@all`, `user census on #${hash} ${CENSUS_USER_RULES}`, ""]);
    expect(renderUsersAcl(phase, () => "a".repeat(64))).not.toContain("census");
  });

  test("refuses names and hashes Redis cannot take, without echoing the hash", () => {
    expect(refused(() => renderCensusUserAcl({ name: "default", passwordHash: hash })).field).toBe("censusUser.name");
    expect(refused(() => renderCensusUserAcl({ name: "a b", passwordHash: hash })).field).toBe("censusUser.name");
    const upper = refused(() => renderCensusUserAcl({ passwordHash: hash.toUpperCase() }));
    expect(upper.message).not.toContain(hash.toUpperCase());
    expect(refused(() => renderCensusUserAcl({ passwordHash: "x y" })).field).toBe("censusUser.passwordHash");
  });
});
