import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { assertPlainAbsolutePath, assertTlsRevision } from "../private/tls-bundle-rules";
import { tlsPemVariable, tlsVariablePrefix, type TlsPemInput } from "../private/tls-pem-variable";
import type { EcsKeyValuePair, EcsSecretRef } from "./ecs-container";
import { granteeIdPart } from "./grantee-id";
import { assertSecretNamePrefix } from "./names";
import type { IKmsKeyRef, IRoleRef } from "./signing-keyring";
import { assertRecoveryWindow } from "./recovery-window";

export type { TlsPemFile, TlsPemInput } from "../private/tls-pem-variable";

const TLS_SECRET = Symbol.for("stemguard.StemTlsBundlesSecret");

/** Env variable whose value is the bundle's revision: a new value gives a new task-definition revision, so tasks roll. */
export const TLS_REVISION_ENV = "STEMGUARD_TLS_REVISION";

/**
 * The entrypoint convention of {@link StemTlsBundlesSecret.containerBinding}.
 * Stem reads TLS only from FILES (contract §4), while ECS injects secrets only
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

/** The JSON keys of the secret document, and the env variables the entrypoint reads them from. */
const DOCUMENT = [
  { key: "caCert", pemEnv: "STEM_TLS_CA_CERT_PEM", pathEnv: "STEM_TLS_CA_CERT", file: "ca.crt" },
  { key: "clientCert", pemEnv: "STEM_TLS_CLIENT_CERT_PEM", pathEnv: "STEM_TLS_CLIENT_CERT", file: "client.crt" },
  { key: "clientKey", pemEnv: "STEM_TLS_CLIENT_KEY_PEM", pathEnv: "STEM_TLS_CLIENT_KEY", file: "client.key" },
] as const;

/** What {@link StemTlsBundlesSecret.containerBinding} adds to an ECS container definition. */
export interface StemTlsContainerBinding {
  /** `STEM_TLS_CA_CERT`, `STEM_TLS_CLIENT_CERT`, `STEM_TLS_CLIENT_KEY` (file paths) and `STEMGUARD_TLS_REVISION`. */
  readonly environment: EcsKeyValuePair[];
  /** `STEM_TLS_CA_CERT_PEM`, `STEM_TLS_CLIENT_CERT_PEM`, `STEM_TLS_CLIENT_KEY_PEM` from the secret's JSON keys, pinned to this revision's version. */
  readonly secrets: EcsSecretRef[];
}

export interface StemTlsBundlesSecretProps {
  /**
   * Secrets Manager name of the secret, e.g. `prod/stem/tls-client`. Also
   * names the PEM input variables: `<name with non-alphanumerics as _>_ca_bundle`,
   * `..._client_cert`, `..._client_key`.
   */
  readonly secretName: string;

  /**
   * `secret_string_wo_version` of the secret, and `STEMGUARD_TLS_REVISION` in
   * containers. Terraform writes the secret only when it changes, so raise it
   * whenever a PEM changes: use the TLS ledger's phase (`stemguard.tls.json`).
   */
  readonly revision: number;

  /**
   * Directory the entrypoint writes the files to: `<fileDir>/ca.crt`,
   * `<fileDir>/client.crt`, `<fileDir>/client.key`. Must be writable by the
   * container user (with a read-only root filesystem, mount a volume there).
   *
   * @default "/run/stem-tls"
   */
  readonly fileDir?: string;

  /**
   * Customer-managed KMS key for the secret; `grantRead` then also grants `kms:Decrypt`.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly kmsKey?: IKmsKeyRef;

  /**
   * Days Secrets Manager keeps the secret restorable after deletion: 0, or 7 to 30.
   *
   * @default 7
   */
  readonly recoveryWindowInDays?: number;

  /**
   * Tags for the secret.
   *
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Stem's client TLS bundle (trusted CA bundle, client certificate, client
 * key) in one Secrets Manager secret, for ECS tasks.
 *
 * The secret holds the JSON document `{"caCert": ..., "clientCert": ...,
 * "clientKey": ...}`, written write-only (`secret_string_wo`, version =
 * `revision`) from three ephemeral input variables (see `materialInputs`), so
 * no PEM reaches the synthesized JSON, the plan or the state.
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
 * Needs Terraform >= 1.11 and the AWS provider >= 5.99.
 */
export class StemTlsBundlesSecret extends Construct {
  /** True for a bundles secret from any copy of stemguard. */
  public static isStemTlsBundlesSecret(x: unknown): x is StemTlsBundlesSecret {
    return typeof x === "object" && x !== null && TLS_SECRET in x;
  }

  /** The secret. */
  public readonly secret: SecretsmanagerSecret;
  /** The version this revision writes; `containerBinding` pins to it. */
  public readonly secretVersion: SecretsmanagerSecretVersion;
  /** `secret_string_wo_version`. */
  public readonly revision: number;
  /** Resolved `fileDir`. */
  public readonly fileDir: string;
  /** The KMS key of the secret, if any. */
  public readonly kmsKey?: IKmsKeyRef;
  /** The ephemeral inputs: set each `TF_VAR_<variableName>` to the PEM file's content. */
  public readonly materialInputs: readonly TlsPemInput[];

  /** The secret's ARN token, created once (cdktf records a stack trace per token). */
  private readonly arn: string;
  private readonly grants = new Map<string, IamRolePolicy>();

  constructor(scope: Construct, id: string, props: StemTlsBundlesSecretProps) {
    super(scope, id);
    Object.defineProperty(this, TLS_SECRET, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;

    assertSecretNamePrefix(props.secretName, field("secretName"));
    this.revision = props.revision;
    assertTlsRevision(this.revision, field("revision"));
    this.fileDir = props.fileDir ?? "/run/stem-tls";
    // The entrypoint interpolates the paths into shell words, quoted; still keep them plain.
    assertPlainAbsolutePath(this.fileDir, field("fileDir"), "fileDir", "/run/stem-tls");
    const recoveryWindowInDays = props.recoveryWindowInDays ?? 7;
    assertRecoveryWindow(recoveryWindowInDays, field("recoveryWindowInDays"));
    this.kmsKey = props.kmsKey;

    const owner = `Stem TLS bundle secret ${this.node.path}`;
    const prefix = tlsVariablePrefix(props.secretName);
    this.materialInputs = (["caBundle", "clientCert", "clientKey"] as const).map((file) => tlsPemVariable(this, prefix, file, owner));
    const [ca, cert, key] = this.materialInputs.map((m) => m.variable.stringValue);

    this.secret = new SecretsmanagerSecret(this, "Secret", {
      name: props.secretName,
      description: "Stem client TLS bundle as JSON {caCert, clientCert, clientKey} (PEM). Managed by stemguard; written write-only.",
      recoveryWindowInDays,
      ...(props.kmsKey ? { kmsKeyId: props.kmsKey.arn } : {}),
      ...(props.tags ? { tags: { ...props.tags } } : {}),
    });
    this.secretVersion = new SecretsmanagerSecretVersion(this, "Version", {
      secretId: this.secret.id,
      // Tokens only: a hand-written "${var...}" inside jsonencode would be escaped to a literal "$${...}".
      secretStringWo: Fn.jsonencode({ caCert: ca, clientCert: cert, clientKey: key }),
      secretStringWoVersion: this.revision,
    });
    this.arn = this.secret.arn;
  }

  /** ARN of the secret. */
  public get secretArn(): string {
    return this.arn;
  }

  /** Where the entrypoint writes the files, as Stem sees them. */
  public get paths(): { readonly caCert: string; readonly clientCert: string; readonly clientKey: string } {
    return { caCert: `${this.fileDir}/ca.crt`, clientCert: `${this.fileDir}/client.crt`, clientKey: `${this.fileDir}/client.key` };
  }

  /**
   * ECS `secrets` and `environment` entries for a Stem container, for images
   * that implement the entrypoint convention (`STEM_TLS_ENTRYPOINT_SCRIPT`):
   * `STEM_TLS_CA_CERT_PEM`, `STEM_TLS_CLIENT_CERT_PEM`, `STEM_TLS_CLIENT_KEY_PEM`
   * from the secret's JSON keys, pinned to this revision's version
   * (`<arn>:<key>::<version-id>`: the task definition then depends on the
   * version, and a rollback rolls the bundle back too); `STEM_TLS_CA_CERT`,
   * `STEM_TLS_CLIENT_CERT`, `STEM_TLS_CLIENT_KEY` as the file paths; and
   * `STEMGUARD_TLS_REVISION`, so a new bundle gives a new task-definition
   * revision. Never sets `STEM_TLS_ALLOW_INSECURE`.
   *
   * Grant the task's EXECUTION role with `grantRead`: ECS reads the secret
   * before the container starts.
   */
  public containerBinding(): StemTlsContainerBinding {
    const paths = this.paths;
    const pathOf = { caCert: paths.caCert, clientCert: paths.clientCert, clientKey: paths.clientKey };
    return {
      environment: [...DOCUMENT.map((d) => ({ name: d.pathEnv, value: pathOf[d.key] })), { name: TLS_REVISION_ENV, value: String(this.revision) }],
      secrets: DOCUMENT.map((d) => ({ name: d.pemEnv, valueFrom: `${this.arn}:${d.key}::${this.secretVersion.versionId}` })),
    };
  }

  /**
   * Lets `grantee` (an ECS task execution role) read the secret, and decrypt it
   * with `kmsKey` if set. Returns the inline policy; granting the same grantee
   * twice returns the same policy.
   */
  public grantRead(grantee: IRoleRef): IamRolePolicy {
    const id = `Read-${granteeIdPart(grantee, `${this.node.path}.grantRead`)}`;
    const existing = this.grants.get(id);
    if (existing) return existing;
    const statements: Record<string, unknown>[] = [
      { Sid: "ReadStemTlsBundle", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [this.arn] },
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
