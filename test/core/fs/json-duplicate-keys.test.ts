import { parseJsonText } from "../../../lib/core/fs/read-json-file";
import { findDuplicateJsonKey } from "../../../lib/core/fs/json-duplicate-keys";

describe("findDuplicateJsonKey", () => {
  it.each([
    ['{"a": 1, "a": 2}', "$.a"],
    ['{"a": {"b": 1, "c": 2, "b": 3}}', "$.a.b"],
    ['{"keys": [{"id": "k1"}, {"id": "k2", "state": "active", "state": "retired"}]}', "$.keys[1].state"],
    ['[[1, 2], [3, {"x": 1, "x": 1}]]', "$[1][1].x"],
    ['{"a b": 1, "a b": 2}', '$["a b"]'],
    ['{"\\u0061": 1, "a": 2}', "$.a"], // the same key, spelled with an escape
    ['{"s": "\\"a\\": 1, \\"a\\": 2", "a": 1}', undefined], // quotes inside a string value are not keys
    ['{"a": 1, "b": {"a": 2}}', undefined], // the same name in another object is fine
    ['[{"a": 1}, {"a": 2}]', undefined],
  ])("%s -> %s", (text, expected) => {
    expect(findDuplicateJsonKey(text)).toBe(expected);
  });

  it("never prints a key that looks like material", () => {
    const secret = Buffer.alloc(32, 0x5a).toString("base64");
    expect(findDuplicateJsonKey(`{"${secret}": 1, "${secret}": 2}`)).toBe("$[<redacted 44 chars>]");
  });

  it("handles deep nesting without the call stack", () => {
    const deep = "[".repeat(100000) + '{"a": 1, "a": 2}' + "]".repeat(100000);
    expect(findDuplicateJsonKey(deep)).toMatch(/\.a$/);
  });

  it("is refused by parseJsonText with the source, the path and the fix", () => {
    expect(() => parseJsonText('{"phase": 1, "phase": 2}', "ledger.json", "edit it")).toThrow(
      "ledger.json: key $.phase appears twice in the same object (JSON readers disagree on which one counts). Fix: keep exactly one of the two entries; the file must say one thing",
    );
    expect(parseJsonText('{"phase": 1}', "ledger.json", "edit it")).toEqual({ phase: 1 });
  });
});
