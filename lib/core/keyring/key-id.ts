import { StemguardError } from "../errors";
import { KEY_ID_PATTERN } from "./types";

/**
 * The longest id a key or CA may have. Ids become AWS Secrets Manager names
 * (`<prefix>/keys/<id>`; names take up to 512 characters), Kubernetes Secret
 * data keys and Terraform variable names (`<prefix>_key_<id>`; Kubernetes keys
 * take up to 253 characters): 64 leaves room for any prefix stemguard accepts.
 */
export const MAX_ID_LENGTH = 64;

/**
 * The form an id collapses to in Terraform variable and secret names: every
 * character other than `[A-Za-z0-9_]` becomes `_` (as materialVariableName
 * does), so `k.1`, `k-1` and `k_1` all give `k_1`. Two ids of one ledger must
 * not share it.
 */
export function collapsedId(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, "_");
}

/** An id as errors may show it: short ones as given, longer ones (which may be material pasted where an id belongs) by length only. */
function shownId(id: unknown): unknown {
  return typeof id === "string" && id.length > 16 ? `(${id.length} characters, not shown)` : id;
}

/** The ids that follow the key-id rules, and the example each error's fix gives. */
const ID_EXAMPLES = { "key id": "k2026-11", "CA id": "redis-ca-2027", "password id": "p2026-12" } as const;
export type IdNoun = keyof typeof ID_EXAMPLES;

/**
 * Refuses ids Stem's key-list grammar cannot carry (docs/stem-compat.md §1.2), ids made
 * only of dots (not a valid Kubernetes Secret key, and `.`/`..` are path
 * segments in secret names) and ids longer than {@link MAX_ID_LENGTH}.
 */
export function assertKeyId(id: unknown, field = "keyId", noun: IdNoun = "key id"): asserts id is string {
  const example = ID_EXAMPLES[noun];
  if (typeof id !== "string" || !KEY_ID_PATTERN.test(id)) {
    throw new StemguardError(`${noun} must match [A-Za-z0-9._-]+ (Stem splits key lists on ',' and ':')`, {
      field,
      value: shownId(id),
      fix: `use letters, digits, '.', '_' or '-' only, e.g. ${example}`,
    });
  }
  if (/^\.+$/.test(id)) {
    throw new StemguardError(`${noun} is made only of dots, which Kubernetes Secret keys and secret-name paths refuse`, { field, value: id, fix: `use a name with a letter or digit, e.g. ${example}` });
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new StemguardError(`${noun} is ${id.length} characters; at most ${MAX_ID_LENGTH} fit AWS Secrets Manager names (with their prefix), Kubernetes Secret keys and Terraform variable names`, {
      field,
      value: shownId(id),
      fix: `use an id of at most ${MAX_ID_LENGTH} characters, e.g. ${example}`,
    });
  }
}

/**
 * Refuses `id` when it collapses (see {@link collapsedId}) to the same name as
 * one of `existing`, which would give both the same Terraform variable and secret.
 */
export function assertDistinctCollapsedId(id: string, existing: ReadonlyMap<string, string>, field: string, noun: IdNoun = "key id"): void {
  const other = existing.get(collapsedId(id));
  if (other !== undefined && other !== id) {
    throw new StemguardError(`${noun} "${id}" and "${other}" give the same Terraform variable and secret name ("${collapsedId(id)}": '.' and '-' become '_')`, {
      field,
      value: id,
      fix: `pick an id that differs from "${other}" in more than '.', '-' and '_'`,
    });
  }
}
