import { DataResource, Fn, Token } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import { ROLES, type Role } from "../core/keyring/types";
import { renderRedisClientEnv, type RedisUrlVariable } from "../core/redis/client-env";
import { assertElastiCachePhase, elastiCacheServerFingerprint, planElastiCachePasswordInputs } from "../core/redis/elasticache";
import { currentRedisPhase, type RedisLedger } from "../core/redis/ledger-file";
import { redisClientEnvRevision } from "../core/redis/revisions";
import type { RedisPhase } from "../core/redis/types";
import { loadRedisLedger, redisLedgerTag } from "../private/redis-ledger-source";
import { markRedis } from "../private/review-marker";
import { redisPasswordVariable, type RedisPasswordInput } from "../private/redis-password-variable";
import { assertPlainAbsolutePath } from "../private/tls-bundle-rules";

export type { RedisPasswordInput } from "../private/redis-password-variable";

/** The default `namePrefix`, the same on every platform. */
const DEFAULT_NAME_PREFIX = "stem-redis";
/** `<namePrefix>-default` (the RBAC user id) must fit ElastiCache's 40 characters. */
const MAX_NAME_PREFIX = 32;

/** One entry of a role's Stem Redis env. `value` may be a Terraform expression over a sensitive input (see `clientEnv`). */
export interface RedisEnvVar {
  readonly name: string;
  readonly value: string;
}

/** What a Redis created here and one another stack owns (`StemRedis.fromNamePrefix`) both take. */
export interface StemRedisImportProps {
  /**
   * The Redis ledger as an object. Give at most one of `ledger` and `ledgerFile`.
   *
   * @default - read from `ledgerFile`
   */
  readonly ledger?: RedisLedger;

  /**
   * Path of the Redis ledger, relative to the process's working directory.
   *
   * @default "stemguard.redis.json"
   */
  readonly ledgerFile?: string;

  /**
   * The replication group id, and prefix of every other name: the subnet
   * group and user group (`<prefix>`), the security group
   * (`<prefix>-redis`), the parameter group (`<prefix>-<family>`), the RBAC
   * users (`<prefix>-default`, `<prefix>-census`) and the password inputs
   * (`<prefix_with_underscores>_password_<id>`). 1-32 lowercase letters,
   * digits and single hyphens, starting with a letter.
   *
   * @default "stem-redis"
   */
  readonly namePrefix?: string;

  /**
   * The port. ElastiCache serves TLS and plain on this one port while the
   * transit encryption mode is `preferred`, so the URL port never changes.
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * Database index per Stem URL variable; `STEM_BROKER_URL` is always set.
   *
   * @default { STEM_BROKER_URL: 0, STEM_RESULT_BACKEND_URL: 1 }
   */
  readonly databases?: Partial<Record<RedisUrlVariable, number>>;

  /**
   * Path, inside the Stem containers, of a CA bundle that holds Amazon's CA
   * (the ElastiCache server certificate's issuer), set as `STEM_TLS_CA_CERT`
   * over rediss://. Leave it unset: clients then trust the platform store,
   * which holds Amazon's roots. Once any `STEM_TLS_*` path is set, Stem trusts
   * only that file, so a bundle without Amazon's CA fails every connection.
   * There is no client certificate on ElastiCache (its TLS authenticates the
   * server only), so no `STEM_TLS_CLIENT_*` is ever set.
   *
   * @default - no STEM_TLS_* (the platform trust store)
   */
  readonly caCertPath?: string;
}

/** A Redis Stem workloads can use: created here (`new StemRedis`) or in another stack (`StemRedis.fromNamePrefix`). */
export interface IStemRedis extends IConstruct {
  /** The validated Redis ledger. */
  readonly ledger: RedisLedger;
  /** What the server and every client get in the ledger's phase. */
  readonly phase: RedisPhase;
  readonly namePrefix: string;
  /** The one port (TLS and plain share it on ElastiCache). */
  readonly port: number;
  /** The host Stem connects to and verifies the certificate against: the primary endpoint's address (a token). */
  readonly clientHost: string;
  /** Fingerprint of what ElastiCache runs in this phase (transit settings, which password ids it accepts and clients send). */
  readonly revision: string;
  /** The latest walk position that changed every role's Redis env (scheme, active password). */
  readonly clientEnvRevision: number;
  /** The password inputs of this phase. */
  readonly materialInputs: readonly RedisPasswordInput[];
  /** A role's Stem Redis env: every URL variable and, with `caCertPath` over rediss://, `STEM_TLS_CA_CERT`. */
  clientEnv(role: Role): RedisEnvVar[];
  /** The names `clientEnv(role)` sets. */
  clientEnvNames(role: Role): string[];
  /**
   * The Kubernetes construct's hook for a keyring that rewrites role
   * Secrets. A no-op on ElastiCache: the URLs use this stack's stored copy of
   * the password, so no input is needed for a rewrite.
   */
  requireActivePassword(requester: string): void;
}

/** What a created and an imported Redis share: everything that follows from the ledger, the names and the endpoint. */
export abstract class StemRedisBase extends Construct implements IStemRedis {
  public readonly ledger: RedisLedger;
  public readonly phase: RedisPhase;
  public readonly namePrefix: string;
  public readonly port: number;
  public readonly revision: string;
  public readonly clientEnvRevision: number;
  public abstract readonly clientHost: string;
  /**
   * The password inputs of this phase, in ledger order: set
   * `TF_VAR_<variableName>` to the password (the file without its newline).
   * Only `required` ones must be set: the phase that gives this stack the
   * password (init or stage for the stack that owns the group, init or
   * activate for an imported Redis); later phases use the stack's stored copy.
   */
  public readonly materialInputs: readonly RedisPasswordInput[];
  protected readonly ledgerTag: string;
  private readonly databases?: Partial<Record<RedisUrlVariable, number>>;
  private readonly caCertPath?: string;
  /** Password id -> its stored copy in this stack's state (terraform_data), kept across phases. */
  private readonly holders = new Map<string, DataResource>();
  private readonly passwordExpressions = new Map<string, string>();

  protected constructor(scope: Construct, id: string, props: StemRedisImportProps, scopeOfPasswords: "server" | "clients") {
    super(scope, id);
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.ledger = loadRedisLedger(props, field);
    this.ledgerTag = redisLedgerTag(this.ledger);
    this.phase = currentRedisPhase(this.ledger);
    assertElastiCachePhase(this.phase, field(props.ledger !== undefined ? "ledger" : "ledgerFile"));
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertNamePrefix(this.namePrefix, field("namePrefix"));
    // Review reads what this Redis renders from the synth (lib/private/review-marker.ts); created or imported is known once the subclass ran.
    markRedis(this, "aws", () => scopeOfPasswords === "clients");
    this.port = props.port ?? 6379;
    assertInteger(this.port, 1, 65535, field("port"), "e.g. 6379");
    this.databases = props.databases;
    if (props.caCertPath !== undefined) assertPlainAbsolutePath(props.caCertPath, field("caCertPath"), "caCertPath", "/etc/ssl/certs/amazon-root-ca.pem");
    this.caCertPath = props.caCertPath;
    this.revision = elastiCacheServerFingerprint(this.phase);
    this.clientEnvRevision = redisClientEnvRevision(this.ledger);

    const inputs: RedisPasswordInput[] = [];
    for (const plan of planElastiCachePasswordInputs(this.ledger, this.namePrefix, scopeOfPasswords)) {
      const input = redisPasswordVariable(this, plan, this.ledgerTag, field("namePrefix"), "state");
      inputs.push(input);
      this.holders.set(plan.passwordId, storedCopy(this, `Password-${plan.passwordId}`, input.variable.stringValue, `Redis password "${plan.passwordId}"`, input.envVarName));
    }
    this.materialInputs = inputs;
  }

  /**
   * A role's Stem Redis env in this phase: every URL variable Stem reads
   * (`STEM_BROKER_URL`, `STEM_RESULT_BACKEND_URL`, and the stores given in
   * `databases`) with the primary endpoint as host, `redis://` before
   * clients-tls and `rediss://` from it on, on the one port, with the active
   * password; over rediss:// `STEM_TLS_CA_CERT` only when `caCertPath` is set
   * (otherwise Stem trusts the platform store, which holds Amazon's CA).
   *
   * Once the ledger has a password the URL values are Terraform expressions
   * (`sensitive(...)` of this stack's stored copy of the password input),
   * never text: put them only into write-only arguments. Give this Redis to
   * the signing keyring (`redis` prop), which writes them into each role's
   * Secrets Manager secret (`secret_string_wo`); never put them into ECS
   * `environment` (task definitions are in state and plan output).
   */
  public clientEnv(role: Role): RedisEnvVar[] {
    return this.renderClientEnv(role, (passwordId) => this.passwordExpression(passwordId)).map(([name, value]) => ({ name, value }));
  }

  public clientEnvNames(role: Role): string[] {
    return this.renderClientEnv(role, () => "x").map(([name]) => name);
  }

  public requireActivePassword(_requester: string): void {
    // The stored copy serves every phase after the one that gave the password.
  }

  private renderClientEnv(role: Role, password: (passwordId: string) => string): [string, string][] {
    if (!ROLES.includes(role)) throw new StemguardError(`unknown role; roles are ${ROLES.join(", ")}`, { field: `${this.node.path}.clientEnv`, value: role, fix: "use producer, worker or beat (the dashboard signs like a producer)" });
    return renderRedisClientEnv(this.phase, { host: this.clientHost, port: this.port, databases: this.databases, tlsFiles: this.caCertPath ? { ca: this.caCertPath } : undefined }, password);
  }

  /** `sensitive(terraform_data.<password>.triggers_replace)`: one token per id (cdktf records a stack trace per token). */
  protected passwordExpression(passwordId: string): string {
    let value = this.passwordExpressions.get(passwordId);
    if (value === undefined) {
      const holder = this.holders.get(passwordId);
      if (!holder) throw new Error(`internal: no stored copy of Redis password ${passwordId}`); // the input plan covers every accepted id
      value = storedValue(holder);
      this.passwordExpressions.set(passwordId, value);
    }
    return value;
  }
}

/**
 * This stack's own copy of a password, written once from its input: the
 * input is needed only in the phase that adds the password (ignore_changes),
 * yet every later phase still configures it (the provider has no write-only
 * password argument). It is kept in triggers_replace, not input: state marks
 * it sensitive there, while terraform_data's output (a copy of input) would
 * be unmarked and shown in plan output.
 */
export function storedCopy(scope: Construct, id: string, value: string, what: string, envVarName: string): DataResource {
  const holder = new DataResource(scope, id, {
    lifecycle: {
      ignoreChanges: ["triggers_replace"],
      postcondition: [
        {
          condition: "${length(self.triggers_replace) > 0}",
          errorMessage: `${what} has no value here: this stack has no stored copy yet (a new environment). Set ${envVarName} once.`,
        },
      ],
    },
  });
  holder.addOverride("triggers_replace", value);
  return holder;
}

/** The stored copy's value, marked sensitive. */
export function storedValue(holder: DataResource): string {
  return Fn.sensitive(holder.getStringAttribute("triggers_replace")) as string;
}

function assertNamePrefix(prefix: unknown, field: string): asserts prefix is string {
  if (typeof prefix !== "string" || prefix.length > MAX_NAME_PREFIX || !/^[a-z](?:[a-z0-9]|-(?!-))*$/.test(prefix) || prefix.endsWith("-")) {
    throw new StemguardError(`namePrefix must be 1-${MAX_NAME_PREFIX} lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen: it is the replication group id (and <prefix>-default the RBAC user id)`, {
      field,
      value: prefix,
      fix: 'use a prefix such as "stem-redis" or "prod-stem"',
    });
  }
}

/** A whole number in [min, max] (tokens pass). */
export function assertInteger(value: number, min: number, max: number, field: string, fix: string): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StemguardError(`must be a whole number from ${min} to ${max}`, { field, value, fix });
  }
}
