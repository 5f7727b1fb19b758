import type { DeadLetterErrorClass } from "../metrics/census-metrics";

/**
 * The bounded class of a dead letter's `meta.error` (a label value: the raw
 * text can hold a key id or anything a task threw). Stem's verifier writes
 * `missing signature headers`, `unknown signing key "<id>"`,
 * `signature header is not base64 encoded` (class `other`) and
 * `signature mismatch`; `max-retries-exhausted` carries the task's error
 * (`other`); `unregistered-task` has no meta (`none`). Matched as a
 * substring, so an exception-name prefix (`SignatureVerificationException: ...`)
 * classifies the same.
 */
export function deadLetterErrorClass(error: string | undefined): DeadLetterErrorClass {
  if (error === undefined || error === "") return "none";
  if (error.includes("unknown signing key")) return "unknown signing key";
  if (error.includes("missing signature headers")) return "missing signature headers";
  if (error.includes("signature mismatch")) return "signature mismatch";
  return "other";
}
