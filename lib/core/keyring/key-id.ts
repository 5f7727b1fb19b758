import { StemguardError } from "../errors";
import { KEY_ID_PATTERN } from "./types";

/** Refuses ids Stem's key-list grammar cannot carry (contract §1.2). */
export function assertKeyId(id: unknown, field = "keyId"): asserts id is string {
  if (typeof id !== "string" || !KEY_ID_PATTERN.test(id)) {
    throw new StemguardError("key id must match [A-Za-z0-9._-]+ (Stem splits key lists on ',' and ':')", {
      field,
      value: id,
      fix: "use letters, digits, '.', '_' or '-' only, e.g. k2026-11",
    });
  }
}
