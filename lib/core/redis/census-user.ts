import { StemguardError } from "../errors";

/** Default name of the census's read-only Redis user. */
export const CENSUS_USER_NAME = "stemguard-census";

/**
 * The rules of the census's read-only user after `on` and its password:
 * read commands on `stem:*` keys only (`%R~`: read access, Redis >= 7.0),
 * no Pub/Sub channels, nothing `@dangerous` (KEYS, SORT_RO, ...), plus what
 * a client needs to connect (PING, HELLO, SELECT). Every census command is
 * in `@read`; every write (XADD, XREADGROUP, XCLAIM, XGROUP CREATE, DEL,
 * CONFIG, ...) is refused with NOPERM.
 */
export const CENSUS_USER_RULES = "resetkeys %R~stem:* resetchannels -@all +@read -@dangerous +ping +hello +select";

/** The census user: a name and the lowercase hex SHA-256 of its password (or a Terraform expression that yields it). */
export interface CensusUserAcl {
  /**
   * ACL user name.
   *
   * @default "stemguard-census"
   */
  readonly name?: string;
  /** Lowercase hex SHA-256 of the password (redisPasswordHash), never the password. */
  readonly passwordHash: string;
}

/**
 * The census user's line for a Redis ACL file:
 * `user <name> on #<sha256> resetkeys %R~stem:* resetchannels -@all +@read -@dangerous +ping +hello +select`.
 *
 * @throws StemguardError for a name Redis ACL files cannot carry or a hash with whitespace or upper-case hex
 */
export function renderCensusUserAcl(user: CensusUserAcl): string {
  const name = user.name ?? CENSUS_USER_NAME;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || name === "default") {
    throw new StemguardError("the census user name must be 1 to 64 of [A-Za-z0-9._-] and not `default` (Stem's own user)", { field: "censusUser.name", value: name, fix: `use the default, ${CENSUS_USER_NAME}` });
  }
  const hash = user.passwordHash;
  if (hash === "" || /\s/.test(hash) || (/^[0-9A-Fa-f]{64}$/.test(hash) && hash !== hash.toLowerCase())) {
    throw new StemguardError("must be the lowercase hex SHA-256 of the password (Redis refuses upper case), with no whitespace", {
      field: "censusUser.passwordHash",
      fix: "pass redisPasswordHash(password), e.g. from `sha256sum` of the password without its newline",
    });
  }
  return `user ${name} on #${hash} ${CENSUS_USER_RULES}`;
}
