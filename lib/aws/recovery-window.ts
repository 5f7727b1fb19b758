import { Token } from "cdktf";
import { StemguardError } from "../core/errors";

/** Refuses a Secrets Manager recovery window outside 0 or 7..30 days. */
export function assertRecoveryWindow(days: number, field: string): void {
  if (Token.isUnresolved(days)) return;
  if (!Number.isInteger(days) || (days !== 0 && (days < 7 || days > 30))) {
    throw new StemguardError("recoveryWindowInDays must be 0 or a whole number from 7 to 30 (Secrets Manager's range)", {
      field,
      value: days,
      fix: "use 7 (the default) unless you need a longer window to restore a deleted secret",
    });
  }
}
