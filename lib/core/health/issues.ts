/**
 * Something Stem accepts silently but that is almost certainly a mistake
 * (stemguard checks stricter than Stem). `stemguard health` prints these as
 * warnings, or refuses to run with `--strict`.
 */
export interface ConfigIssue {
  /** Stable identifier, e.g. `acl-username`. */
  readonly code: string;
  /** What is wrong and how to fix it. Never contains a password. */
  readonly message: string;
}
