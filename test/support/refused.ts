import { StemguardError } from "../../lib/core/errors";

/** The StemguardError `f` throws; fails the test when it throws nothing (any other error is rethrown). */
export function refused(f: () => unknown): StemguardError {
  try {
    f();
  } catch (err) {
    if (err instanceof StemguardError) return err;
    throw err;
  }
  throw new Error("expected a StemguardError");
}
