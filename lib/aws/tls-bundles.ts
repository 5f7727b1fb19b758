import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { DataAwsSecretsmanagerSecret } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Fn } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { claimObjectName } from "../private/stack-claims";
import { assertPlainAbsolutePath } from "../private/tls-bundle-rules";
import { markTlsBundles } from "../private/review-marker";
import { resolveTlsWrites, type TlsWrites } from "../private/tls-ledger-source";
import { tlsPemVariable, tlsVariablePrefix, type TlsPemInput } from "../private/tls-pem-variable";
import { TLS_ENV_OWNER } from "../private/user-env-rules";
import { mergeContainerBinding, type BoundContainerDefinition, type EcsContainerDefinition, type EcsKeyValuePair, type EcsSecretRef } from "./ecs-container";
import { granteeIdPart } from "./grantee-id";
import { assertSecretNamePrefix } from "./names";
import { assertRecoveryWindow } from "./recovery-window";
import { assertSecretTags } from "./secret-tags";
import type { TlsCaLedger } from "../core/tls/ca-ledger-types";
import type { IKmsKeyRef, IRoleRef } from "./refs";

export type { TlsPemFile, TlsPemInput } from "../private/tls-pem-variable";

const TLS_SECRET = Symbol.for("stemguard.StemTlsBundles");

/** Env variable whose value is the bundle's revision: a new value gives a new task-definition revision, so tasks roll. */
export const TLS_REVISION_ENV = "STEMGUARD_TLS_REVISION";

/**
 * The entrypoint convention of {@link StemTlsBundles.containerBinding}.
 * Stem reads TLS only from FILES (docs/stem-compat.md §4), while ECS injects secrets only
 * as env. The image must run this (or equivalent) before Stem: it writes each
 * `STEM_TLS_*_PEM` env value to the path in the matching `STEM_TLS_*`
 * variable (mode 0600), drops the PEM variables, and execs the command.
 */
export const STEM_TLS_ENTRYPOINT_SCRIPT = `#!/bin/sh
# stem-tls-entrypoint: write the PEMs ECS injected as env to the files Stem reads, then run the command.
set -eu
umask 077
mkdir -p "$(dirname "$STEM_TLS_CA_CERT")" "$(dirname "$STEM_TLS_CLIENT_CERT")" "$(dirname "$STEM_TLS_CLIENT_KEY")"
printf '%s\\n' "$STEM_TLS_CA_CERT_PEM" > "$STEM_TLS_CA_CERT"
printf '%s\\n' "$STEM_TLS_CLIENT_CERT_PEM" > "$STEM_TLS_CLIENT_CERT"
printf '%s\\n' "$STEM_TLS_CLIENT_KEY_PEM" > "$STEM_TLS_CLIENT_KEY"
unset STEM_TLS_CA_CERT_PEM STEM_TLS_CLIENT_CERT_PEM STEM_TLS_CLIENT_KEY_PEM
exec "$@"
`;

/**
 * The JSON keys of the two secret documents, and the env variables the
 * entrypoint reads them from: the trust bundle lives in the CA secret, the
 * leaves in the client secret, so each is rewritten only by the steps that
 * change it (as on Kubernetes).
 */
const DOCUMENT = [
  { key: "caCert", secret: "ca", pemEnv: "STEM_TLS_CA_CERT_PEM", pathEnv: "STEM_TLS_CA_CERT", file: "ca.crt" },
  { key: "clientCert", secret: "leaves", pemEnv: "STEM_TLS_CLIENT_CERT_PEM", pathEnv: "STEM_TLS_CLIENT_CERT", file: "client.crt" },
  { key: "clientKey", secret: "leaves", pemEnv: "STEM_TLS_CLIENT_KEY_PEM", pathEnv: "STEM_TLS_CLIENT_KEY", file: "client.key" },
] as const;

/** What {@link StemTlsBundles.containerBinding} adds to an ECS container definition. */
export interface StemTlsContainerBinding {
  /** `STEM_TLS_CA_CERT`, `STEM_TLS_CLIENT_CERT`, `STEM_TLS_CLIENT_KEY` (file paths) and `STEMGUARD_TLS_REVISION`. */
  readonly environment: EcsKeyValuePair[];
  /** `STEM_TLS_CA_CERT_PEM` from the CA secret, `STEM_TLS_CLIENT_CERT_PEM` and `STEM_TLS_CLIENT_KEY_PEM` from the client secret, each pinned to the version this phase uses. */
  readonly secrets: EcsSecretRef[];
}

/** The default `namePrefix`, the same on every platform. */
const DEFAULT_NAME_PREFIX = "stem-tls";
const DEFAULT_FILE_DIR = "/run/stem-tls";

/** What created and imported bundles both take; alone, where to find bundles another stack created (names and revision, no resources). */
export interface TlsBundlesImportProps {
  /**
   * Prefix of the secret names (`<prefix>-ca` for the trust bundle,
   * `<prefix>-client` for the client leaves) and of the PEM input
   * variables (`<prefix_with_underscores>_ca_bundle`, `..._client_cert`,
   * `..._client_key`), as on Kubernetes. Starts with a letter.
   *
   * @default "stem-tls"
   */
  readonly namePrefix?: string;

  /**
   * Secrets Manager name of the client (leaves) secret. Set it only to keep a
   * secret created under another name (0.1's `secretName`); the CA secret and
   * the variables still follow `namePrefix`.
   *
   * @default - `<namePrefix>-client`
   */
  readonly secretName?: string;

  /**
   * Path of the TLS ledger (`stemguard.tls.json`), relative to the process's
   * working directory: its phase is the revision. Give exactly one of
   * `ledgerFile`, `ledger` and `revision`.
   *
   * @default - `ledger` or `revision` is used
   */
  readonly ledgerFile?: string;

  /**
   * The TLS ledger as an object.
   *
   * @default - `ledgerFile` or `revision` is used
   */
  readonly ledger?: TlsCaLedger;

  /**
   * `secret_string_wo_version` of both secrets, and `STEMGUARD_TLS_REVISION`
   * in containers, when no ledger is given. Terraform writes a secret only when
   * its version changes, so raise it whenever a PEM changes; with `revision`
   * alone both secrets are rewritten and all three inputs are required.
   *
   * @default - the TLS ledger's phase
   */
  readonly revision?: number;

  /**
   * Directory the entrypoint writes the files to: `<fileDir>/ca.crt`,
   * `<fileDir>/client.crt`, `<fileDir>/client.key`. Must be writable by the
   * container user (with a read-only root filesystem, mount a volume there).
   *
   * @default "/run/stem-tls"
   */
  readonly fileDir?: string;

  /**
   * Customer-managed KMS key for both secrets; `grantRead` then also grants `kms:Decrypt`.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly kmsKey?: IKmsKeyRef;
}

export interface StemTlsBundlesProps extends TlsBundlesImportProps {
  /**
   * Days Secrets Manager keeps the secret restorable after deletion: 0, or 7 to 30.
   *
   * @default 7
   */
  readonly recoveryWindowInDays?: number;

  /**
   * Tags for both secrets.
   *
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}


/** A TLS client bundle that ECS services can use: created here (`new StemTlsBundles`) or in another stack (`StemTlsBundles.fromNamePrefix`). */
export interface ITlsBundles extends IConstruct {
  /** Resolved `namePrefix`. */
  readonly namePrefix: string;
  /** `STEMGUARD_TLS_REVISION`: the TLS ledger's phase (or `revision`). */
  readonly revision: number;
  /** Resolved `fileDir`. */
  readonly fileDir: string;
  /** The KMS key of the secret, if any. */
  readonly kmsKey?: IKmsKeyRef;
  /** ARN of the client secret (`clientCert`, `clientKey`). */
  readonly secretArn: string;
  /** ARN of the CA secret (`caCert`, the trust bundle). */
  readonly caSecretArn: string;
  /** Where the entrypoint writes the files, as Stem sees them. */
  readonly paths: TlsBundlePaths;
  /** ECS `secrets` and `environment` entries for a Stem container. */
  containerBinding(): StemTlsContainerBinding;
  /** `container` with `containerBinding()` merged in; refuses own `STEM_TLS_*` and a second binding. */
  bindToContainer<T extends EcsContainerDefinition>(container: T): BoundContainerDefinition<T>;
  /** Lets `grantee` (an ECS task execution role) read both secrets, and decrypt them with `kmsKey`. */
  grantRead(grantee: IRoleRef): IamRolePolicy;
}

/** Paths of the bundle files inside a container whose entrypoint wrote them. */
export interface TlsBundlePaths {
  readonly caCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** What a created and an imported bundle share: everything that follows from the secret's ARN. */
abstract class TlsBundlesBase extends Construct implements ITlsBundles {
  public readonly namePrefix: string;
  public readonly revision: number;
  public readonly fileDir: string;
  public readonly kmsKey?: IKmsKeyRef;
  /** Resolved `secretName` (the client secret). */
  protected readonly resolvedSecretName: string;
  /** `<namePrefix>-ca`. */
  protected readonly caSecretName: string;
  /** Which parts this phase writes (lib/private/tls-ledger-source.ts). */
  protected readonly writes: TlsWrites;
  private readonly grants = new Map<string, IamRolePolicy>();

  protected constructor(scope: Construct, id: string, props: TlsBundlesImportProps) {
    super(scope, id);
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertSecretNamePrefix(this.namePrefix, field("namePrefix"));
    this.resolvedSecretName = props.secretName ?? `${this.namePrefix}-client`;
    this.caSecretName = `${this.namePrefix}-ca`;
    // An old secret name only names the secret, not variables: it may start with a digit.
    if (props.secretName !== undefined) assertSecretNamePrefix(props.secretName, field("secretName"), false);
    this.writes = resolveTlsWrites(props, field);
    this.revision = this.writes.revision;
    markTlsBundles(this, "aws", () => !(TLS_SECRET in this), this.writes.ledger);
    this.fileDir = props.fileDir ?? DEFAULT_FILE_DIR;
    // The entrypoint interpolates the paths into shell words, quoted; still keep them plain.
    assertPlainAbsolutePath(this.fileDir, field("fileDir"), "fileDir", DEFAULT_FILE_DIR);
    this.kmsKey = props.kmsKey;
  }

  public abstract readonly secretArn: string;
  public abstract readonly caSecretArn: string;
  /** The versions containers pin, where this stack writes them. */
  protected abstract readonly versionIds?: { readonly ca: string; readonly leaves: string };

  public get paths(): TlsBundlePaths {
    return { caCert: `${this.fileDir}/ca.crt`, clientCert: `${this.fileDir}/client.crt`, clientKey: `${this.fileDir}/client.key` };
  }

  /**
   * ECS `secrets` and `environment` entries for a Stem container, for images
   * that implement the entrypoint convention (`STEM_TLS_ENTRYPOINT_SCRIPT`):
   * `STEM_TLS_CA_CERT_PEM` from the CA secret and `STEM_TLS_CLIENT_CERT_PEM`,
   * `STEM_TLS_CLIENT_KEY_PEM` from the client secret, each pinned to the
   * version this phase uses where this stack writes it
   * (`<arn>:<key>::<version-id>`: the task definition then depends on the
   * versions, and a rollback rolls the bundle back too);
   * `STEM_TLS_CA_CERT`, `STEM_TLS_CLIENT_CERT`, `STEM_TLS_CLIENT_KEY` as the
   * file paths; and `STEMGUARD_TLS_REVISION`, so a new bundle gives a new
   * task-definition revision. Never sets `STEM_TLS_ALLOW_INSECURE`.
   *
   * Grant the task's EXECUTION role with `grantRead`: ECS reads the secret
   * before the container starts.
   */
  public containerBinding(): StemTlsContainerBinding {
    const paths = this.paths;
    return {
      environment: [...DOCUMENT.map((d) => ({ name: d.pathEnv, value: paths[d.key] })), { name: TLS_REVISION_ENV, value: String(this.revision) }],
      secrets: DOCUMENT.map((d) => ({
        name: d.pemEnv,
        valueFrom: `${d.secret === "ca" ? this.caSecretArn : this.secretArn}:${d.key}::${this.versionIds?.[d.secret] ?? ""}`,
      })),
    };
  }

  /**
   * `container` with `containerBinding()` merged in. Refuses a container that
   * is bound already or sets any `STEM_TLS_*` variable of its own (ECS would
   * pick one of two values silently).
   */
  public bindToContainer<T extends EcsContainerDefinition>(container: T): BoundContainerDefinition<T> {
    return mergeContainerBinding(container, this.containerBinding(), { owner: TLS_ENV_OWNER, marker: TLS_REVISION_ENV }, `${this.node.path}.bindToContainer`);
  }

  /**
   * Lets `grantee` (an ECS task execution role) read both secrets, and decrypt
   * them with `kmsKey` if set. Returns the inline policy; granting the same grantee
   * twice returns the same policy.
   */
  public grantRead(grantee: IRoleRef): IamRolePolicy {
    const id = `Read-${granteeIdPart(grantee, `${this.node.path}.grantRead`)}`;
    const existing = this.grants.get(id);
    if (existing) return existing;
    const statements: Record<string, unknown>[] = [
      { Sid: "ReadStemTlsBundle", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [this.caSecretArn, this.secretArn] },
    ];
    if (this.kmsKey) statements.push({ Sid: "DecryptStemTlsBundle", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [this.kmsKey.arn] });
    const policy = new IamRolePolicy(this, id, {
      name: `stem-tls-read-${this.node.addr.slice(0, 12)}`,
      role: grantee.name,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    this.grants.set(id, policy);
    return policy;
  }
}

/**
 * Stem's client TLS bundle for ECS tasks in two Secrets Manager secrets: the
 * trust bundle (CA certificates) in `<namePrefix>-ca` as `{"caCert": ...}`,
 * and the client leaves in `<namePrefix>-client` as `{"clientCert": ...,
 * "clientKey": ...}`.
 *
 * Both are written write-only (`secret_string_wo`) from ephemeral input
 * variables (see `materialInputs`), so no PEM reaches the synthesized JSON,
 * the plan or the state. With the TLS ledger, each secret's
 * `secret_string_wo_version` is the latest phase that changed its part
 * (`stage-ca`/`retire-ca` the trust bundle, `reissue-leaves`/`renew-leaves`
 * the leaves), and its inputs are required only in that phase, as on
 * Kubernetes.
 *
 * Stem reads TLS from FILE PATHS, and ECS injects secrets only as env, so
 * `containerBinding()` relies on an entrypoint convention the IMAGE MUST
 * IMPLEMENT: `STEM_TLS_ENTRYPOINT_SCRIPT` (docs/tls.md, "AWS (ECS)") writes the
 * `STEM_TLS_*_PEM` values to the `STEM_TLS_*` paths before Stem starts. Without
 * it Stem finds no files and fails every `rediss://` connection.
 *
 * Not for ElastiCache: its server certificate is AWS's and chains to public
 * roots, and setting `STEM_TLS_CA_CERT` would make Stem distrust them.
 *
 * Services in other stacks use `StemTlsBundles.fromNamePrefix`.
 *
 * Needs Terraform >= 1.11 and the AWS provider >= 5.99.
 */
export class StemTlsBundles extends TlsBundlesBase {
  /** True for a bundle created by any copy of stemguard (not for one imported with `fromNamePrefix`). */
  public static isStemTlsBundles(x: unknown): x is StemTlsBundles {
    return typeof x === "object" && x !== null && TLS_SECRET in x;
  }

  /**
   * A bundle another stack created. Creates no secret and asks for no PEM:
   * the secrets are looked up by name (`aws_secretsmanager_secret` data
   * sources, metadata only) and containers read their current versions, so
   * apply the owning stack first.
   */
  public static fromNamePrefix(scope: Construct, id: string, props: TlsBundlesImportProps): ITlsBundles {
    return new ImportedTlsBundles(scope, id, props);
  }

  /** The client secret (`clientCert`, `clientKey`). */
  public readonly secret: SecretsmanagerSecret;
  /** The client secret's version for the latest leaves; `containerBinding` pins to it. */
  public readonly secretVersion: SecretsmanagerSecretVersion;
  /** The CA secret (`caCert`). */
  public readonly caSecret: SecretsmanagerSecret;
  /** The CA secret's version for the latest trust bundle; `containerBinding` pins to it. */
  public readonly caSecretVersion: SecretsmanagerSecretVersion;
  /** The ephemeral inputs: set each `TF_VAR_<variableName>` to the PEM file's content (`stemguard tls tf-vars`); `required` says which this phase writes. */
  public readonly materialInputs: readonly TlsPemInput[];
  /** The client secret's ARN token, created once (cdktf records a stack trace per token). */
  public readonly secretArn: string;
  /** The CA secret's ARN token. */
  public readonly caSecretArn: string;
  protected readonly versionIds: { readonly ca: string; readonly leaves: string };

  constructor(scope: Construct, id: string, props: StemTlsBundlesProps) {
    super(scope, id, props);
    Object.defineProperty(this, TLS_SECRET, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;
    const recoveryWindowInDays = props.recoveryWindowInDays ?? 7;
    assertRecoveryWindow(recoveryWindowInDays, field("recoveryWindowInDays"));
    assertSecretTags(props.tags, field("tags"));
    claimObjectName(this, `Secrets Manager secret ${this.resolvedSecretName}`, this.node.path, field(props.secretName === undefined ? "namePrefix" : "secretName"), this.resolvedSecretName);
    claimObjectName(this, `Secrets Manager secret ${this.caSecretName}`, this.node.path, field("namePrefix"), this.caSecretName);

    const owner = `Stem TLS bundles ${this.node.path}`;
    const prefix = tlsVariablePrefix(this.namePrefix);
    this.materialInputs = (["caBundle", "clientCert", "clientKey"] as const).map((file) =>
      tlsPemVariable(this, prefix, file, owner, field("namePrefix"), file === "caBundle" ? this.writes.caRequired : this.writes.leavesRequired),
    );
    const [ca, cert, key] = this.materialInputs.map((m) => m.variable.stringValue);
    const secretConfig = {
      recoveryWindowInDays,
      ...(props.kmsKey ? { kmsKeyId: props.kmsKey.arn } : {}),
      ...(props.tags ? { tags: { ...props.tags } } : {}),
    };

    // A new version number forces a new version (provider 5.100). Create
    // before destroy: the new version is AWSCURRENT before the old one leaves
    // the state, and the old one keeps AWSPREVIOUS, so the previous
    // task-definition revision, which pins its version id, still starts (rollback).
    this.caSecret = new SecretsmanagerSecret(this, "CaSecret", {
      name: this.caSecretName,
      description: "Stem TLS trust bundle as JSON {caCert} (PEM, one or more CA certificates). Managed by stemguard; written write-only.",
      ...secretConfig,
    });
    this.caSecretVersion = new SecretsmanagerSecretVersion(this, "CaVersion", {
      secretId: this.caSecret.id,
      // Tokens only: a hand-written "${var...}" inside jsonencode would be escaped to a literal "$${...}".
      secretStringWo: Fn.jsonencode({ caCert: ca }),
      secretStringWoVersion: this.writes.caRevision,
      lifecycle: { createBeforeDestroy: true },
    });
    this.secret = new SecretsmanagerSecret(this, "Secret", {
      name: this.resolvedSecretName,
      description: "Stem client TLS leaves as JSON {clientCert, clientKey} (PEM). Managed by stemguard; written write-only.",
      ...secretConfig,
    });
    this.secretVersion = new SecretsmanagerSecretVersion(this, "Version", {
      secretId: this.secret.id,
      secretStringWo: Fn.jsonencode({ clientCert: cert, clientKey: key }),
      secretStringWoVersion: this.writes.leavesRevision,
      lifecycle: { createBeforeDestroy: true },
    });
    this.secretArn = this.secret.arn;
    this.caSecretArn = this.caSecret.arn;
    this.versionIds = { ca: this.caSecretVersion.versionId, leaves: this.secretVersion.versionId };
  }
}

/** `StemTlsBundles.fromNamePrefix`: binds and grants against secrets another stack writes. */
class ImportedTlsBundles extends TlsBundlesBase {
  public readonly secretArn: string;
  public readonly caSecretArn: string;
  protected readonly versionIds = undefined;

  constructor(scope: Construct, id: string, props: TlsBundlesImportProps) {
    super(scope, id, props);
    this.secretArn = new DataAwsSecretsmanagerSecret(this, "Secret", { name: this.resolvedSecretName }).arn;
    this.caSecretArn = new DataAwsSecretsmanagerSecret(this, "CaSecret", { name: this.caSecretName }).arn;
  }
}
