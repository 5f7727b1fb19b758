import { Fn, Op, Token } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import { ROLES, type Role } from "../core/keyring/types";
import { renderRedisClientEnv, type RedisUrlVariable } from "../core/redis/client-env";
import { redisClientHost, redisServerDnsNames, type RedisServiceNames } from "../core/redis/dns-names";
import { currentRedisPhase, type RedisLedger } from "../core/redis/ledger-file";
import { renderProbeScript } from "../core/redis/probe-script";
import { planRedisPasswordInputs, redisClientEnvRevision, redisFilesFingerprint } from "../core/redis/revisions";
import { renderLiveConf, renderRedisConf, renderReloadScript, renderUsersAcl, serverDefaults, type RedisServerOptions } from "../core/redis/server-config";
import type { RedisPhase } from "../core/redis/types";
import { markRedis } from "../private/review-marker";
import { loadRedisLedger, redisLedgerTag } from "../private/redis-ledger-source";
import { redisPasswordVariable, type RedisPasswordInput } from "../private/redis-password-variable";
import { assertNamePrefix, assertNamespace } from "./kubernetes-names";
import type { ITlsBundles } from "./tls-bundles";

export type { RedisPasswordInput } from "../private/redis-password-variable";

/** Where the Redis pod mounts what the construct renders; the same in every phase (the pod template must not change). */
export const REDIS_MOUNTS = {
  /** The ConfigMap: redis.conf, live.conf, reload.sh, probe.sh. */
  config: "/etc/stemguard/redis",
  /** The auth Secret: users.acl and the active password. */
  auth: "/etc/stemguard/redis-auth",
  /** emptyDir shared by Redis and the reloader: the unix socket. */
  run: "/run/redis",
  /** The PersistentVolumeClaim: the append-only file. */
  data: "/data",
} as const;

/** The default `namePrefix`, the same on every platform. */
const DEFAULT_NAME_PREFIX = "stem-redis";

/** One entry of a role's Stem Redis env. `value` may hold a Terraform expression over an ephemeral input (see `clientEnv`). */
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
   * Namespace of Redis and its Services: a literal name (it is part of the
   * client host and of the server certificate's DNS names).
   */
  readonly namespace: string;

  /**
   * Name of the StatefulSet and client Service (`<prefix>`), the headless
   * Service (`<prefix>-headless`), the ConfigMap (`<prefix>-config`) and the
   * auth Secret (`<prefix>-auth`), and prefix of the password inputs
   * (`<prefix_with_underscores>_password_<id>`).
   *
   * @default "stem-redis"
   */
  readonly namePrefix?: string;

  /**
   * Plain port (open until tls-only).
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * TLS port (open from dual on). Plain and TLS cannot share a port, so the
   * URL port changes at clients-tls.
   *
   * @default 6380
   */
  readonly tlsPort?: number;

  /**
   * The TLS bundles (`StemTlsBundles`) in Redis's namespace. Redis mounts the
   * server bundle (certificate, key, CA bundle) and, for its TLS readiness
   * probe, the client bundle; clients get `STEM_TLS_CA_CERT` over rediss://
   * and, from client-auth optional on, `STEM_TLS_CLIENT_CERT` and
   * `STEM_TLS_CLIENT_KEY`. Required from dual on; give them already in the
   * plain phase, so that dual applies live (mounting them later changes the
   * pod template and restarts Redis once).
   *
   * @default - no TLS (allowed in the plain phase only)
   */
  readonly tlsBundles?: ITlsBundles;

  /**
   * Database index per Stem URL variable; `STEM_BROKER_URL` is always set.
   *
   * @default { STEM_BROKER_URL: 0, STEM_RESULT_BACKEND_URL: 1 }
   */
  readonly databases?: Partial<Record<RedisUrlVariable, number>>;

  /**
   * The cluster's DNS domain, for the client host and `serverDnsNames`.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/** A Redis Stem workloads can use: created here (`new StemRedis`) or in another stack (`StemRedis.fromNamePrefix`). */
export interface IStemRedis extends IConstruct {
  /** The validated Redis ledger. */
  readonly ledger: RedisLedger;
  /** What the server and every client get in the ledger's phase. */
  readonly phase: RedisPhase;
  readonly namespace: string;
  readonly namePrefix: string;
  readonly port: number;
  readonly tlsPort: number;
  /** The host Stem connects to and verifies the certificate against: `<prefix>.<namespace>.svc.<clusterDomain>`. */
  readonly clientHost: string;
  /** The DNS names the server certificate must cover (pass them to `stemguard tls generate`). */
  readonly serverDnsNames: readonly string[];
  /** Fingerprint of the server configuration of this phase (redis.conf, live.conf, users.acl's shape, reload.sh, probe.sh). */
  readonly revision: string;
  /** The latest walk position that changed every role's Redis env (scheme, client certificates, active password). */
  readonly clientEnvRevision: number;
  /** The ephemeral password inputs of this phase. */
  readonly materialInputs: readonly RedisPasswordInput[];
  /** A role's Stem Redis env: the URL variables and, over rediss://, the STEM_TLS_* paths. */
  clientEnv(role: Role): RedisEnvVar[];
  /** The names `clientEnv(role)` sets, without declaring any input. */
  clientEnvNames(role: Role): string[];
  /**
   * Makes the active password's input required in this phase because
   * `requester` rewrites an object holding the role URLs now (a signing
   * keyring whose own revision moved). No-op before the first password.
   */
  requireActivePassword(requester: string): void;
}

/** What a created and an imported Redis share: everything that follows from the ledger, the names and the ports. */
export abstract class StemRedisBase extends Construct implements IStemRedis {
  public readonly ledger: RedisLedger;
  public readonly phase: RedisPhase;
  public readonly namespace: string;
  public readonly namePrefix: string;
  public readonly port: number;
  public readonly tlsPort: number;
  public readonly clientHost: string;
  public readonly serverDnsNames: readonly string[];
  public readonly revision: string;
  public readonly clientEnvRevision: number;
  /** The TLS bundles, when given. */
  public readonly tlsBundles?: ITlsBundles;
  /** Names of the Services and the StatefulSet. */
  protected readonly names: Required<RedisServiceNames>;
  /** Where the server finds its files. */
  protected readonly serverOptions: RedisServerOptions;
  /** redis.conf, live.conf, reload.sh and probe.sh of this phase (no secrets). */
  protected readonly configFiles: Readonly<Record<string, string>>;
  protected readonly ledgerTag: string;
  private readonly databases?: Partial<Record<RedisUrlVariable, number>>;
  private readonly passwordValues = new Map<string, string>();

  protected constructor(scope: Construct, id: string, props: StemRedisImportProps) {
    super(scope, id);
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.ledger = loadRedisLedger(props, field);
    markRedis(this, "kubernetes", () => !this.writes.server); // writes: set by the subclass, read at synth time
    this.ledgerTag = redisLedgerTag(this.ledger);
    this.phase = currentRedisPhase(this.ledger);
    if (Token.isUnresolved(props.namespace)) {
      throw new StemguardError("namespace must be a literal name: it is part of the client host and of the server certificate's DNS names", {
        field: field("namespace"),
        fix: 'pass the name as a string (e.g. "stem") and order the resources after the namespace with dependsOn: [namespace]',
      });
    }
    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertNamePrefix(this.namePrefix, field("namePrefix"));
    if (this.namePrefix.length > 52) {
      throw new StemguardError("namePrefix must be at most 52 characters: it names the StatefulSet, whose pods' controller-revision-hash label must fit 63 characters", { field: field("namePrefix"), value: this.namePrefix, fix: 'use a shorter prefix such as "stem-redis"' });
    }
    const { port, tlsPort } = serverDefaults({ port: props.port, tlsPort: props.tlsPort });
    this.port = port;
    this.tlsPort = tlsPort;
    this.databases = props.databases;
    this.names = {
      service: this.namePrefix,
      headlessService: `${this.namePrefix}-headless`,
      statefulSet: this.namePrefix,
      namespace: this.namespace,
      replicas: 1,
      clusterDomain: props.clusterDomain ?? "cluster.local",
    };
    this.clientHost = redisClientHost(this.names);
    this.serverDnsNames = redisServerDnsNames(this.names);
    this.tlsBundles = props.tlsBundles;
    this.checkTls(field("tlsBundles"));

    const paths = this.tlsBundles?.paths;
    const aclFile = `${REDIS_MOUNTS.auth}/users.acl`;
    const passwordFile = `${REDIS_MOUNTS.auth}/password`;
    const unixSocket = `${REDIS_MOUNTS.run}/redis.sock`;
    const tlsFiles = paths && { cert: paths.serverCert, key: paths.serverKey, ca: paths.caCert };
    this.serverOptions = { port, tlsPort, tlsFiles, aclFile, unixSocket, dataDir: REDIS_MOUNTS.data };
    const probeCert = paths && this.tlsBundles!.kinds.includes("client") ? { clientCert: paths.clientCert, clientKey: paths.clientKey } : {};
    this.configFiles = {
      "redis.conf": renderRedisConf(this.phase, this.serverOptions),
      "live.conf": renderLiveConf(this.phase, this.serverOptions),
      "reload.sh": renderReloadScript({ liveConf: `${REDIS_MOUNTS.config}/live.conf`, unixSocket, passwordFile, watch: [aclFile, ...(tlsFiles ? [tlsFiles.cert, tlsFiles.key, tlsFiles.ca] : [])] }),
      "probe.sh": renderProbeScript(this.phase, { port, tlsPort, passwordFile, tlsFiles: paths && { ca: paths.caCert, ...probeCert } }),
    };
    // users.acl by shape (which ids, in which order), never by value: the hashes are Terraform's.
    this.revision = redisFilesFingerprint({ ...this.configFiles, "users.acl": renderUsersAcl(this.phase, (passwordId) => `sha256(${passwordId})`) });
    this.clientEnvRevision = redisClientEnvRevision(this.ledger);
  }

  /** Inputs declared so far, and who made an optional one required. */
  private declared?: RedisPasswordInput[];
  private readonly requiredBy = new Map<string, string>();

  /** Which objects this construct writes from the passwords: the server's ACL, the roles' URLs. */
  protected abstract readonly writes: { readonly server: boolean; readonly clients: boolean };

  /**
   * The ephemeral inputs `terraform plan`/`apply` need in this phase, in
   * ledger order: set `TF_VAR_<variableName>` to the password (the file
   * without its newline). Required in the phases that write it (a password
   * step: every accepted password, for users.acl; a step that changes the
   * clients' URLs, or a signing-keyring step that rewrites the role Secrets:
   * the active one), optional otherwise.
   */
  public get materialInputs(): readonly RedisPasswordInput[] {
    this.declared ??= planRedisPasswordInputs(this.ledger, this.namePrefix, this.writes).map((plan) => redisPasswordVariable(this, plan, this.ledgerTag, `${this.node.path} props.namePrefix`));
    return this.declared.map((input) => (this.requiredBy.has(input.passwordId) ? { ...input, required: true } : input));
  }

  public requireActivePassword(requester: string): void {
    const active = this.phase.activePassword;
    if (active === undefined || this.requiredBy.has(active)) return;
    const input = this.materialInputs.find((m) => m.passwordId === active)!;
    if (input.required) return;
    this.requiredBy.set(active, requester);
    input.variable.addOverride("description", `Redis password "${active}": the content of material/${active}.password without the newline. Required in this phase: ${requester} rewrites the role Secrets that carry it. Ephemeral: kept out of plan files and state.`);
    input.variable.addValidation({
      condition: Op.gte(Fn.lengthOf(input.variable.stringValue), 1),
      errorMessage: `Redis password "${active}" is required in this phase: ${requester} rewrites the role Secrets whose Redis URLs carry it (value not shown).`,
    });
  }

  /**
   * A role's Stem Redis env in this phase: every URL variable Stem reads
   * (`STEM_BROKER_URL`, `STEM_RESULT_BACKEND_URL`, and the stores given in
   * `databases`) as `redis://` before clients-tls and `rediss://` from it on
   * (the TLS port), with the active password; over rediss:// also
   * `STEM_TLS_CA_CERT` and, from client-auth optional on, the client
   * certificate and key paths (mount the TLS bundles' client volumes).
   *
   * Once the ledger has a password, the URL values are Terraform
   * expressions over its ephemeral input: Terraform accepts them only in
   * write-only arguments (a `kubernetes_secret_v1`'s `data_wo`), never in a
   * pod spec. Give this Redis to the signing keyring (`redis` prop), which
   * writes them into each role's Secret.
   */
  public clientEnv(role: Role): RedisEnvVar[] {
    return this.renderClientEnv(role, (passwordId) => this.passwordValue(passwordId)).map(([name, value]) => ({ name, value }));
  }

  private renderClientEnv(role: Role, password: (passwordId: string) => string): [string, string][] {
    if (!ROLES.includes(role)) throw new StemguardError(`unknown role; roles are ${ROLES.join(", ")}`, { field: `${this.node.path}.clientEnv`, value: role, fix: "use producer, worker or beat (the dashboard is a producer)" });
    const paths = this.tlsBundles?.paths;
    return renderRedisClientEnv(
      this.phase,
      { host: this.clientHost, port: this.port, tlsPort: this.tlsPort, databases: this.databases, tlsFiles: paths && { ca: paths.caCert, clientCert: paths.clientCert, clientKey: paths.clientKey } },
      password,
    );
  }

  /** The broker URL of a Redis user other than Stem's `default` (the census's): the phase's scheme and port, `user:password@`, the broker database. */
  protected censusUrl(userName: string, password: string): string {
    const phase = { ...this.phase, activePassword: "census" };
    const paths = this.tlsBundles?.paths;
    const endpoint = { host: this.clientHost, port: this.port, tlsPort: this.tlsPort, databases: this.databases, tlsFiles: paths && { ca: paths.caCert, clientCert: paths.clientCert, clientKey: paths.clientKey } };
    const [, url] = renderRedisClientEnv(phase, endpoint, () => password).find(([name]) => name === "STEM_BROKER_URL")!;
    return url.replace("://:", `://${userName}:`);
  }

  public clientEnvNames(role: Role): string[] {
    return this.renderClientEnv(role, () => "x").map(([name]) => name);
  }

  /** The password input's value as a token (one per id: cdktf records a stack trace per token). */
  protected passwordValue(passwordId: string): string {
    let value = this.passwordValues.get(passwordId);
    if (value === undefined) {
      const input = this.materialInputs.find((m) => m.passwordId === passwordId);
      if (!input) throw new Error(`no input for Redis password ${passwordId}`);
      value = input.variable.stringValue;
      this.passwordValues.set(passwordId, value);
    }
    return value;
  }

  /** TLS bundles in Redis's namespace whenever the server speaks TLS; a client bundle once clients present certificates. */
  protected checkTls(field: string): void {
    const tls = this.tlsBundles;
    if (!tls) {
      if (this.phase.mode !== "plain") {
        throw new StemguardError(`TLS mode ${this.phase.mode}: the server speaks TLS and needs its certificate`, {
          field,
          fix: `pass tlsBundles (StemTlsBundles whose server certificate covers ${this.names.service}.${this.namespace}.svc.${this.names.clusterDomain} and the other serverDnsNames), already in the plain phase so that dual applies live`,
        });
      }
      return;
    }
    if (tls.namespace !== this.namespace) {
      throw new StemguardError("the TLS bundles must be in Redis's namespace: a pod mounts Secrets of its own namespace only", { field, value: tls.namespace, fix: `create the bundles with namespace "${this.namespace}"` });
    }
    if (this.phase.mode !== "plain" && this.phase.clientAuth !== "no" && !tls.kinds.includes("client")) {
      throw new StemguardError(`client-auth ${this.phase.clientAuth}: clients and the readiness probe present a client certificate, but the TLS bundles have no client bundle`, { field, value: tls.kinds, fix: 'create the bundles with kinds ["server", "client"]' });
    }
  }
}
