import { StemguardError } from "../core/errors";

/** Prefix of every Stem signing variable (docs/stem-compat.md §1.1); the keyring owns all of them. */
export const STEM_SIGNING_PREFIX = "STEM_SIGNING_";
/** Prefix of every Stem TLS variable (docs/stem-compat.md §4.1, plus the entrypoint's `*_PEM`); the TLS bundles own all of them. */
export const STEM_TLS_PREFIX = "STEM_TLS_";

/** Which construct family owns a variable prefix, for the binding guards of every platform. */
export interface EnvOwner {
  /** `STEM_SIGNING_` or `STEM_TLS_`. */
  readonly prefix: string;
  /** "the signing keyring", "the TLS bundles". */
  readonly owner: string;
  /** What the construct provides, for the fix line: "the signing env". */
  readonly provides: string;
}

export const SIGNING_ENV_OWNER: EnvOwner = { prefix: STEM_SIGNING_PREFIX, owner: "the signing keyring", provides: "the signing env" };
export const TLS_ENV_OWNER: EnvOwner = { prefix: STEM_TLS_PREFIX, owner: "the TLS bundles", provides: "the TLS file paths" };

/**
 * Refuses a container's own variable under `owner.prefix`, whether or not the
 * binding sets that name: a stray one would make Stem sign or trust material
 * outside the ledger (a `STEM_SIGNING_PRIVATE_KEYS` left on a verify-only
 * worker signs retries with it; a second `STEM_TLS_CA_CERT` makes ECS pick one
 * of two paths silently). Same rule on every platform.
 */
export function refuseOwnedVariable(name: string, owner: EnvOwner, field: string, container?: string): void {
  if (!name.startsWith(owner.prefix)) return;
  throw new StemguardError(
    `${container === undefined ? "the container" : `container "${container}"`} sets ${name}; every ${owner.prefix}* variable is set by ${owner.owner}, so a second value would conflict`,
    { field: `${field}.${name}`, fix: `remove ${name} from the container and let ${owner.owner} provide ${owner.provides}` },
  );
}

/** A container that carries a binding's marker was bound already: say so instead of naming the first variable the binding added. */
export function refuseSecondBinding(marker: string, owner: EnvOwner, field: string, container?: string): never {
  throw new StemguardError(`${container === undefined ? "the container" : `container "${container}"`} is already bound to ${owner.owner} (it has ${marker})`, {
    field,
    value: marker,
    fix: "bind each container once: pass the container definition as it was before the first binding",
  });
}
