import { Fn } from "cdktf";
import type { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { assertKeyId } from "../core/keyring/key-id";
import { CENSUS_USER_NAME, type CensusUserAcl } from "../core/redis/census-user";
import { redisPasswordVariableName } from "../core/redis/revisions";
import { redisPasswordVariable, type RedisPasswordInput } from "../private/redis-password-variable";

/** The read-only census user (`StemRedisProps.censusUser`): the same shape as the AWS `StemRedis`'s. */
export interface RedisCensusUserProps {
  /**
   * Id of the census user's password (`[A-Za-z0-9._-]`). Its input is
   * `<prefix_with_underscores>_census_password_<id>` (the content of
   * `material/<id>.password` from 'stemguard redis password generate'),
   * ephemeral: only its SHA-256 reaches users.acl, through the auth Secret's
   * `data_wo`, so it is required on every plan and apply while the user
   * exists. A new id rotates it: users.acl is rewritten and the user then
   * accepts only the new password (bump the census job's `brokerUrlRevision`).
   *
   * @default "census"
   */
  readonly passwordId?: string;

  /**
   * The user name the census logs in with.
   *
   * @default "stemguard-census"
   */
  readonly userName?: string;
}

/** The census user of a Kubernetes Redis: its ACL entry (hash as a Terraform expression) and its password input. */
export interface RedisCensusUser {
  readonly userName: string;
  readonly passwordId: string;
  /** The ephemeral password input, always required. */
  readonly input: RedisPasswordInput;
  /** For renderUsersAcl's `censusUser`: the hash is `sha256(var.<input>)`, computed by Terraform. */
  readonly acl: CensusUserAcl;
  /** The password input's value (a token): only for write-only arguments. */
  readonly password: string;
}

/** Validates the prop and declares the census password input (required, ephemeral). */
export function declareCensusUser(scope: Construct, namePrefix: string, props: RedisCensusUserProps, tag: string, field: string): RedisCensusUser {
  const passwordId = props.passwordId ?? "census";
  assertKeyId(passwordId, `${field}.passwordId`, "password id");
  const userName = props.userName ?? CENSUS_USER_NAME;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(userName) || userName === "default") {
    throw new StemguardError("censusUser.userName must be 1 to 64 of [A-Za-z0-9._-] and not default (Stem's own user)", { field: `${field}.userName`, value: userName, fix: `use "${CENSUS_USER_NAME}"` });
  }
  const variableName = redisPasswordVariableName(`${namePrefix}_census`, passwordId);
  const input = redisPasswordVariable(scope, { passwordId, variableName, envVarName: `TF_VAR_${variableName}`, required: true }, `census ${tag}`, field);
  const password = input.variable.stringValue;
  return { userName, passwordId, input, password, acl: { name: userName, passwordHash: Fn.sha256(password) } };
}

/**
 * The auth Secret's `data_wo_revision` with a census user: Terraform rewrites
 * a write-only value only when its revision changes, and the census
 * password's value is never seen at synth, so the revision folds in the
 * user's name and password id (a 5-digit FNV-1a of them above the ledger's
 * auth revision): adding the user, renaming it or a new password id rewrites
 * users.acl. Without a census user it is the ledger's auth revision unchanged.
 */
export function censusAuthRevision(authRevision: number, user: Pick<RedisCensusUser, "userName" | "passwordId"> | undefined): number {
  if (user === undefined) return authRevision;
  let h = 0x811c9dc5;
  for (const ch of `${user.userName}\u0000${user.passwordId}`) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return (1 + (h % 99_999)) * 100_000 + authRevision;
}
