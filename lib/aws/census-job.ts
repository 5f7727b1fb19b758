import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import type { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { CENSUS_SCHEDULE_EXPRESSION, AWS_SCHEDULE_TIME_ZONE } from "../core/scans/schedule";
import { STEMGUARD_IMAGE_USER } from "../core/scans/cli-image";
import { CENSUS_BROKER_ENV, censusArgs } from "../core/scans/census-command";
import { StemguardError } from "../core/errors";
import { brokerUrlVariable, brokerUrlVariableName } from "../private/broker-url-variable";
import { assertConstructImage, STEMGUARD_IMAGE_FIX } from "../private/pinned-image";
import { censusEntryPoint } from "./census-entry-point";
import type { EcsContainerDefinition } from "./ecs-container";
import type { IKmsKeyRef } from "./refs";
import type { ITlsBundles } from "./tls-bundles";
import { ScheduledFargateTask, type FargateNetwork, type IEcsClusterRef } from "./scheduled-task";

/** The task volume the TLS entrypoint writes the client bundle into. */
const TLS_VOLUME = "stem-tls";

/** What other stacks need of the census. */
export interface IStemCensusJob {
  /** Queues the census counts (the per-queue CloudWatch alarms need them). */
  readonly queues: readonly string[];
}

export interface StemCensusJobProps extends FargateNetwork {
  readonly cluster: IEcsClusterRef;
  /**
   * The stemguard CLI image, built from the package's docker/Dockerfile (it
   * runs as 10001:10001 and prepares `/run/stem-tls` for `tlsBundles`), pinned
   * as `name:tag@sha256:<64 hex>`; a bare tag is refused.
   */
  readonly image: string;
  /** Queues to count; the CloudWatch alarms are per queue, so name them all. */
  readonly queues: readonly string[];
  /**
   * Stem's client TLS bundle for a `rediss://` broker with mutual TLS: the
   * container gets `bindToContainer()` (the `STEM_TLS_*` env and the PEM
   * secrets pinned to this phase's versions), its execution role
   * `grantRead()`, a task volume at the bundle's `fileDir`, and the entry
   * point runs StemTlsBundles' convention (`STEM_TLS_ENTRYPOINT_SCRIPT`)
   * before the census. Keep the default `fileDir` (`/run/stem-tls`, which
   * the Dockerfile creates for the image's user) or prepare yours in the image.
   *
   * @default - no TLS files (a `redis://` broker, or a `rediss://` one the system roots verify without a client certificate)
   */
  readonly tlsBundles?: ITlsBundles;
  /**
   * Certificate files in the container the census inspects (`--certificate`):
   * their days left become the `CertificateDaysLeft` metric, dimension
   * `Certificate` = the file's base name.
   *
   * @default - with `tlsBundles`, the bundle's CA and client certificates (`ca.crt`, `client.crt`); else none
   */
  readonly certificateFiles?: readonly string[];
  /**
   * Name of the schedule, task family, roles, log group and the secret `<name>/broker-url`;
   * also prefixes the broker URL input (`<name_with_underscores>_broker_url`).
   *
   * @default "stem-census"
   */
  readonly name?: string;
  /**
   * Bump when the broker URL changes (a new password of the read-only user):
   * the write-only secret version is rewritten only when this changes.
   *
   * @default 1
   */
  readonly brokerUrlRevision?: number;
  /**
   * Customer-managed KMS key of the broker URL secret.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly kmsKey?: IKmsKeyRef;
  /**
   * Days the log group keeps the EMF events.
   *
   * @default 14
   */
  readonly logRetentionInDays?: number;
}

/**
 * The census on AWS: EventBridge Scheduler runs a Fargate task every 5
 * minutes (`rate(5 minutes)`) that prints one census as CloudWatch EMF lines
 * (`stemguard census --broker "$STEM_BROKER_URL" --format emf`) into its log
 * group, where CloudWatch Logs extracts the `Stemguard/Census` metrics the
 * alarms read. The broker URL (the read-only Redis user's) is a Secrets
 * Manager secret written write-only from an ephemeral input; the execution
 * role may read only that secret; the task itself gets no role.
 */
export class StemCensusJob extends Construct implements IStemCensusJob {
  /** A census another stack created. */
  public static fromQueues(queues: readonly string[]): IStemCensusJob {
    return { queues };
  }

  public readonly queues: readonly string[];
  public readonly censusName: string;
  /** The certificate files the census inspects (`--certificate`), resolved. */
  public readonly certificateFiles: readonly string[];
  /** The ephemeral input for the broker URL: set `TF_VAR_<name>` on every plan and apply. */
  public readonly brokerUrlInput: TerraformVariable;
  public readonly secret: SecretsmanagerSecret;
  public readonly task: ScheduledFargateTask;

  constructor(scope: Construct, id: string, props: StemCensusJobProps) {
    super(scope, id);
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.censusName = props.name ?? "stem-census";
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(this.censusName)) {
      throw new StemguardError("name must be 1-40 lowercase letters, digits or '-', starting with a letter", { field: field("name"), value: this.censusName, fix: 'e.g. "stem-census"' });
    }
    assertConstructImage(props.image, field("image"), STEMGUARD_IMAGE_FIX);
    if (props.queues.length === 0) throw new StemguardError("queues must name at least one queue", { field: field("queues"), value: [], fix: "list the Stem queues the fleet uses" });
    const tls = props.tlsBundles;
    this.certificateFiles = [...(props.certificateFiles ?? (tls ? [tls.paths.caCert, tls.paths.clientCert] : []))];
    const args = censusArgs({ queues: props.queues, certificateFiles: this.certificateFiles }, `${this.node.path} props`);
    this.queues = [...props.queues];
    const revision = props.brokerUrlRevision ?? 1;
    if (!Number.isInteger(revision) || revision < 1) throw new StemguardError("brokerUrlRevision must be a whole number >= 1", { field: field("brokerUrlRevision"), value: revision, fix: "bump it by one when the URL changes" });

    this.brokerUrlInput = brokerUrlVariable(this, brokerUrlVariableName(this.censusName), field("name"));
    this.secret = new SecretsmanagerSecret(this, "BrokerUrl", {
      name: `${this.censusName}/broker-url`,
      description: "Broker URL of the read-only Redis user the stemguard census reads with. Written write-only; never planned.",
      recoveryWindowInDays: 7,
      ...(props.kmsKey ? { kmsKeyId: props.kmsKey.arn } : {}),
    });
    const version = new SecretsmanagerSecretVersion(this, "BrokerUrlVersion", {
      secretId: this.secret.id,
      secretStringWo: this.brokerUrlInput.stringValue,
      secretStringWoVersion: revision,
      lifecycle: { createBeforeDestroy: true },
    });
    const plain: EcsContainerDefinition = {
      name: "census",
      image: props.image,
      entryPoint: censusEntryPoint(tls !== undefined),
      command: args,
      user: `${STEMGUARD_IMAGE_USER.uid}:${STEMGUARD_IMAGE_USER.gid}`,
      readonlyRootFilesystem: true,
      environment: [{ name: "TZ", value: "UTC" }],
      // The version id pins the secret version this revision reads; a new URL registers a new revision.
      secrets: [{ name: CENSUS_BROKER_ENV, valueFrom: `${this.secret.arn}:::${version.versionId}` }],
      // The read-only root stays read-only; the TLS entrypoint writes the bundle into this task volume.
      ...(tls ? { mountPoints: [{ sourceVolume: TLS_VOLUME, containerPath: tls.fileDir, readOnly: false }] } : {}),
    };
    const container = tls ? tls.bindToContainer(plain) : plain;
    this.task = new ScheduledFargateTask(
      this,
      "Task",
      {
        name: this.censusName,
        cluster: props.cluster,
        network: props,
        scheduleExpression: CENSUS_SCHEDULE_EXPRESSION,
        scheduleTimeZone: AWS_SCHEDULE_TIME_ZONE,
        description: "stemguard census of Stem's Redis (read-only user), printed as CloudWatch EMF",
        cpu: 256,
        memoryMiB: 512,
        logRetentionInDays: props.logRetentionInDays ?? 14,
        executionStatements: [
          { Sid: "ReadBrokerUrl", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [this.secret.arn] },
          ...(props.kmsKey ? [{ Sid: "DecryptBrokerUrl", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [props.kmsKey.arn] }] : []),
        ],
        ...(tls ? { volumes: [TLS_VOLUME] } : {}),
        container,
      },
      `${this.node.path} props`,
    );
    // ECS reads the PEM secrets with the execution role before the container starts.
    tls?.grantRead(this.task.executionRole);
  }
}
