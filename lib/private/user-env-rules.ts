import { StemguardError } from "../core/errors";

/** Prefix of every Stem signing variable (contract §1.1); the keyring owns all of them. */
export const STEM_SIGNING_PREFIX = "STEM_SIGNING_";

/**
 * Refuses a container's own variable named `STEM_SIGNING_*`, whether or not
 * this role's keyring env sets that name: a stray one would make Stem sign or
 * trust material outside the ledger (a `STEM_SIGNING_PRIVATE_KEYS` left on a
 * verify-only worker signs retries with it). Same rule on every platform.
 */
export function refuseUserSigningVariable(name: string, field: string, container?: string): void {
  if (!name.startsWith(STEM_SIGNING_PREFIX)) return;
  throw new StemguardError(`${container === undefined ? "the container" : `container "${container}"`} sets ${name}; every ${STEM_SIGNING_PREFIX}* variable is set by the signing keyring, so a second value would conflict with the ledger`, {
    field: `${field}.${name}`,
    fix: `remove ${name} from the container and let the keyring provide the signing env`,
  });
}
