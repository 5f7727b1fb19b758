import { StemguardError } from "../errors";
import { CENSUS_EMF, CENSUS_LABELS, CENSUS_PROMETHEUS } from "../metrics/census-metrics";
import { KUBE_STATE_METRICS, SCAN_EMF } from "../metrics/scan-metrics";
import { cloudWatchWindow } from "./cloudwatch-limits";
import { STEM_CLOUDWATCH_NAMESPACE, STEM_INSTRUMENTS, stemOtlpName, stemPrometheusCounter } from "./collector-config";
import { counterIncrease, levelIncrease, literalAlternation, promDuration, selector } from "./promql";
import { describeRotation, rotationInFlight } from "./rotation";
import type { AlarmSeverity, AlarmSpec, CloudWatchCondition, CloudWatchMetricRef, RotationContext } from "./types";

/** Stem's dead-letter reason for every signature failure (docs/stem-compat.md §6.1). */
export const SIGNATURE_INVALID_REASON = "signature-invalid";

/** Where the runbook sections live unless `runbookBaseUrl` says otherwise. */
export const DEFAULT_RUNBOOK_BASE = "docs/alarms.md";

/** The scan the scan alarms watch. */
export interface ScanTarget {
  /** The scan's name: the CronJob's name on Kubernetes, the `Scan` dimension on AWS. */
  readonly name: string;
  /**
   * The CronJob's namespace (Kubernetes only).
   *
   * @default - any namespace
   */
  readonly namespace?: string;
}

export interface StemAlarmOptions {
  /**
   * Base of the runbook links; each alarm links `<base>#<id in lowercase>`.
   * Point it at where your team reads docs/alarms.md.
   *
   * @default "docs/alarms.md"
   */
  readonly runbookBaseUrl?: string;
  /**
   * The rotation in flight (`rotationContext(ledger)`): while a key is staged
   * or retiring, the signature alarm pages on a shorter window and every
   * description names the phase and key ids, and retiring keys get a drain alarm.
   *
   * @default - no rotation in flight
   */
  readonly rotation?: RotationContext;
  /**
   * Stem queues, for CloudWatch: an alarm reads exactly one dimension
   * combination, so each per-queue signal becomes one alarm per queue.
   * Prometheus rules need none (they aggregate by queue).
   *
   * @default - no per-queue CloudWatch alarms
   */
  readonly queues?: readonly string[];
  /**
   * Certificate names the census job inspects (the `name` label / `Name`
   * dimension), for CloudWatch. Prometheus rules cover every certificate.
   *
   * @default - no certificate CloudWatch alarms
   */
  readonly certificates?: readonly string[];
  /**
   * The scan the scan alarms watch.
   *
   * @default - no scan alarms
   */
  readonly scan?: ScanTarget;
  /**
   * Failed tasks per minute, averaged over 10 minutes, that open a ticket.
   *
   * @default 1
   */
  readonly failedTasksPerMinute?: number;
  /**
   * Days left on a certificate that open a ticket.
   *
   * @default 30
   */
  readonly certificateTicketDays?: number;
  /**
   * Days left on a certificate that page.
   *
   * @default 7
   */
  readonly certificatePageDays?: number;
  /**
   * Hours a retiring key may still sign live messages before a ticket opens.
   *
   * @default 24
   */
  readonly retiringKeyDrainHours?: number;
}

/** The signature alarm's window outside a rotation and while one is in flight. */
export const SIGNATURE_WINDOW_SECONDS = { steady: 900, rotation: 300 } as const;
/** Census runs every 5 minutes; three missed runs are a silent census. */
export const CENSUS_HEARTBEAT_SECONDS = 900;
/** Kubernetes: no successful weekly scan in 8 days (one missed run plus a day). */
export const SCAN_HEARTBEAT_SECONDS_KUBERNETES = 8 * 86_400;
/** AWS: CloudWatch evaluates at most 7 days, so 7 daily periods, all missing. */
export const SCAN_HEARTBEAT_SECONDS_AWS = 7 * 86_400;

const DEAD_LETTER_SIGNALS = [
  { id: "DeadLetterUnknownKey", error: "unknown signing key", severity: "page", why: "a worker received a message signed with a key it does not trust (a key retired too early, or a verifier missing a staged key)" },
  { id: "DeadLetterMissingSignature", error: "missing signature headers", severity: "page", why: "an unsigned message reached a verifying worker (a producer without signing, or verification enforced too early)" },
  { id: "DeadLetterSignatureMismatch", error: "signature mismatch", severity: "ticket", why: "a message's signature does not verify; lease-extension and requeue copies produce this without an attacker (stem-redis.md §A)" },
] as const;

/** The default alarms: every signal the issue names, tightened for the rotation in flight. */
export function stemAlarmSpecs(options: StemAlarmOptions = {}): AlarmSpec[] {
  const base = options.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE;
  const runbook = (id: string) => `${base}#${id.toLowerCase()}`;
  const rotation = rotationInFlight(options.rotation) ? options.rotation : undefined;
  const during = rotation ? ` During ${describeRotation(rotation)}.` : "";
  const queues = options.queues ?? [];
  const perQueue = (make: (queue: string) => CloudWatchMetricRef) => (queues.length > 0 ? queues.map(make) : undefined);
  const failedPerMinute = positive(options.failedTasksPerMinute ?? 1, "failedTasksPerMinute");
  const ticketDays = positive(options.certificateTicketDays ?? 30, "certificateTicketDays");
  const pageDays = positive(options.certificatePageDays ?? 7, "certificatePageDays");
  const drainHours = positive(options.retiringKeyDrainHours ?? 24, "retiringKeyDrainHours");
  if (pageDays >= ticketDays) {
    throw new StemguardError(`certificatePageDays (${pageDays}) must be below certificateTicketDays (${ticketDays})`, { field: "certificatePageDays", value: pageDays, fix: "page on fewer days left than the ticket" });
  }
  if (!Number.isInteger(drainHours) || drainHours > 168) {
    throw new StemguardError("retiringKeyDrainHours must be a whole number of hours, at most 168 (CloudWatch evaluates at most 7 days)", { field: "retiringKeyDrainHours", value: drainHours, fix: "use e.g. 24" });
  }
  const specs: AlarmSpec[] = [];
  const condition = (c: Omit<CloudWatchCondition, "metrics">, metrics: readonly CloudWatchMetricRef[] | undefined): CloudWatchCondition | undefined =>
    metrics && metrics.length > 0 ? { ...c, metrics } : undefined;

  // Signature failures: Stem's own counter, through the collector.
  {
    const w = rotation ? SIGNATURE_WINDOW_SECONDS.rotation : SIGNATURE_WINDOW_SECONDS.steady;
    const period = rotation ? 60 : 300;
    const metric = stemPrometheusCounter(STEM_INSTRUMENTS.signatureInvalid);
    specs.push({
      id: "SignatureInvalid",
      group: "stemguard-signing",
      signal: `\`${metric}\``,
      condition: `any increase within ${promDuration(w)}, including the first increment after a worker restart${rotation ? " (tightened: rotation in flight)" : ""}`,
      severity: rotation ? "page" : "ticket",
      runbook: runbook("SignatureInvalid"),
      treatMissing: "notBreaching",
      windowSeconds: w,
      rotation,
      description: `Stem workers rejected messages for an invalid signature on queue {{ $labels.queue }}.${during}${
        rotation ? ` Check that every verifier trusts ${[...rotation.stagedKeyIds, rotation.activeKeyId, ...rotation.retiringKeyIds].join(", ")} before the next step.` : " Outside a rotation this is most often a replayed dead letter (replays keep the old signature)."
      }`,
      prometheus: { expr: counterIncrease(metric, ["queue"], w), forSeconds: 0 },
      cloudwatch: condition(
        { statistic: "Sum", comparison: "GreaterThanThreshold", threshold: 0, ...cloudWatchWindow(w, "SignatureInvalid", [period]), datapointsToAlarm: 1 },
        perQueue((queue) => ({ namespace: STEM_CLOUDWATCH_NAMESPACE, metricName: stemOtlpName(STEM_INSTRUMENTS.signatureInvalid), dimensions: { queue } })),
      ),
    });
  }

  // Dead letters by error class: the census's level, alarmed on its increase (the list has no retention).
  for (const signal of DEAD_LETTER_SIGNALS) {
    const w = 900;
    const matchers = { [CENSUS_LABELS.reason]: SIGNATURE_INVALID_REASON, [CENSUS_LABELS.error]: signal.error };
    specs.push({
      id: signal.id,
      group: "stemguard-dead-letters",
      signal: `\`${CENSUS_PROMETHEUS.deadLetters}{error="${signal.error}"}\` (census)`,
      condition: `any increase within ${promDuration(w)}, including the first dead letter of a queue`,
      severity: signal.severity as AlarmSeverity,
      runbook: runbook(signal.id),
      treatMissing: "notBreaching",
      windowSeconds: w,
      rotation,
      description: `New dead letters (${signal.error}) on queue {{ $labels.queue }}: ${signal.why}.${during}`,
      prometheus: { expr: levelIncrease(selector(CENSUS_PROMETHEUS.deadLetters, matchers), [CENSUS_LABELS.queue, CENSUS_LABELS.error], w), forSeconds: 0 },
      cloudwatch: condition(
        // FILL(m1, 0) makes a queue's first dead letters an increase; DIFF is the change per period.
        { statistic: "Maximum", comparison: "GreaterThanThreshold", threshold: 0, ...cloudWatchWindow(w, signal.id, [300]), datapointsToAlarm: 1, expression: "DIFF(FILL(m1, 0))" },
        perQueue((queue) => ({
          namespace: CENSUS_EMF.namespace,
          metricName: CENSUS_EMF.deadLetters,
          dimensions: { [CENSUS_EMF.dimensions.queue]: queue, [CENSUS_EMF.dimensions.reason]: SIGNATURE_INVALID_REASON, [CENSUS_EMF.dimensions.error]: signal.error },
        })),
      ),
    });
  }

  // Failed tasks: Stem's counter, as a rate.
  {
    const w = 600;
    const metric = stemPrometheusCounter(STEM_INSTRUMENTS.failed);
    specs.push({
      id: "TasksFailing",
      group: "stemguard-signing",
      signal: `\`${metric}\``,
      condition: `more than ${failedPerMinute} failed task(s) per minute over ${promDuration(w)}`,
      severity: "ticket",
      runbook: runbook("TasksFailing"),
      treatMissing: "notBreaching",
      windowSeconds: w,
      rotation,
      description: `Stem tasks on queue {{ $labels.queue }} fail at {{ $value | humanize }} per minute (signature failures count here too).${during}`,
      prometheus: { expr: `sum by (queue) (rate(${metric}[${promDuration(w)}])) * 60 > ${failedPerMinute}`, forSeconds: 0 },
      cloudwatch: condition(
        { statistic: "Sum", comparison: "GreaterThanThreshold", threshold: failedPerMinute * 5, ...cloudWatchWindow(w, "TasksFailing", [300]), datapointsToAlarm: 2 },
        perQueue((queue) => ({ namespace: STEM_CLOUDWATCH_NAMESPACE, metricName: stemOtlpName(STEM_INSTRUMENTS.failed), dimensions: { queue } })),
      ),
    });
  }

  // Live messages still signed with a retiring key: only while one is retiring.
  if (rotation && rotation.retiringKeyIds.length > 0) {
    const w = drainHours * 3600;
    const keys = rotation.retiringKeyIds;
    specs.push({
      id: "RetiringKeyStillLive",
      group: "stemguard-census",
      signal: `\`${CENSUS_PROMETHEUS.liveMessages}{key_id="${keys.join("|")}"}\` (census)`,
      condition: `live messages signed with a retiring key for ${drainHours} h`,
      severity: "ticket",
      runbook: runbook("RetiringKeyStillLive"),
      treatMissing: "notBreaching",
      windowSeconds: w,
      rotation,
      description: `{{ $value }} live messages on queue {{ $labels.queue }} are still signed with retiring key {{ $labels.key_id }} after ${drainHours} h; do not retire it yet (\`stemguard census --key {{ $labels.key_id }}\`).${during}`,
      prometheus: {
        expr: `sum by (${CENSUS_LABELS.queue}, ${CENSUS_LABELS.keyId}) (${selector(CENSUS_PROMETHEUS.liveMessages, { [`${CENSUS_LABELS.keyId}=~`]: literalAlternation(keys) })}) > 0`,
        forSeconds: w,
      },
      cloudwatch: condition(
        { statistic: "Minimum", comparison: "GreaterThanThreshold", threshold: 0, ...cloudWatchWindow(w, "RetiringKeyStillLive", [3600]), datapointsToAlarm: drainHours },
        queues.length > 0 ? queues.flatMap((queue) => keys.map((key) => ({ namespace: CENSUS_EMF.namespace, metricName: CENSUS_EMF.liveMessages, dimensions: { [CENSUS_EMF.dimensions.queue]: queue, [CENSUS_EMF.dimensions.keyId]: key } }))) : undefined,
      ),
    });
  }

  // Certificates the census job inspects.
  for (const [id, days, severity] of [["CertificateExpiring", ticketDays, "ticket"], ["CertificateExpiringSoon", pageDays, "page"]] as const) {
    specs.push({
      id,
      group: "stemguard-census",
      signal: `\`${CENSUS_PROMETHEUS.certificateDaysLeft}\` (census)`,
      condition: `fewer than ${days} days left`,
      severity,
      runbook: runbook(id),
      treatMissing: "notBreaching",
      windowSeconds: 3600,
      rotation,
      description: `Certificate {{ $labels.name }} expires in {{ $value }} days: rotate it (\`stemguard tls\`, docs/tls.md).${during}`,
      prometheus: { expr: `min by (${CENSUS_LABELS.certificate}) (${CENSUS_PROMETHEUS.certificateDaysLeft}) < ${days}`, forSeconds: 0 },
      cloudwatch: condition(
        { statistic: "Minimum", comparison: "LessThanThreshold", threshold: days, periodSeconds: 3600, evaluationPeriods: 1, datapointsToAlarm: 1 },
        options.certificates?.map((name) => ({ namespace: CENSUS_EMF.namespace, metricName: CENSUS_EMF.certificateDaysLeft, dimensions: { [CENSUS_EMF.dimensions.certificate]: name } })),
      ),
    });
  }

  // Census heartbeat.
  {
    const w = CENSUS_HEARTBEAT_SECONDS;
    const metric = CENSUS_PROMETHEUS.lastSuccess;
    specs.push({
      id: "CensusSilent",
      group: "stemguard-census",
      signal: "census runs (heartbeat)",
      condition: `no completed census in ${promDuration(w)}`,
      severity: "ticket",
      runbook: runbook("CensusSilent"),
      treatMissing: "breaching",
      windowSeconds: w,
      rotation,
      description: `No census completed in ${promDuration(w)}: the dead-letter and drain alarms see nothing, and the drain gate cannot pass.${during}`,
      prometheus: { expr: `(time() - max(${metric}) > ${w}) or absent(${metric})`, forSeconds: 300 },
      cloudwatch: { metrics: [{ namespace: CENSUS_EMF.namespace, metricName: CENSUS_EMF.censusCompleted, dimensions: {} }], statistic: "Sum", comparison: "LessThanThreshold", threshold: 1, ...cloudWatchWindow(w, "CensusSilent", [300]), datapointsToAlarm: w / 300 },
    });
  }

  // The weekly scan: findings, and its heartbeat.
  if (options.scan) {
    const scan = options.scan;
    const ns: Record<string, string> = scan.namespace ? { namespace: scan.namespace } : {};
    const jobs: Record<string, string> = { ...ns, "job_name=~": `${literalAlternation([scan.name])}-[0-9]+` };
    const cron: Record<string, string> = { ...ns, cronjob: scan.name };
    const dims = { [SCAN_EMF.dimensions.scan]: scan.name };
    specs.push({
      id: "ScanFindings",
      group: "stemguard-scans",
      signal: `vulnerability scan \`${scan.name}\``,
      condition: "the last weekly run found CRITICAL/HIGH vulnerabilities (Kubernetes: or failed)",
      severity: "ticket",
      runbook: runbook("ScanFindings"),
      treatMissing: "notBreaching",
      windowSeconds: 7 * 86_400,
      rotation,
      description: `The weekly vulnerability scan ${scan.name} found CRITICAL/HIGH vulnerabilities or could not scan a target; read the job's log.`,
      prometheus: {
        // A failed Job of this CronJob that started within the last week (older failed Jobs stay in the history).
        expr: `max by (namespace, job_name) (${selector(KUBE_STATE_METRICS.jobFailed, jobs)}) > 0 and on (namespace, job_name) (time() - ${selector(KUBE_STATE_METRICS.jobStartTime, jobs)} < ${7 * 86_400})`,
        forSeconds: 0,
      },
      cloudwatch: { metrics: [{ namespace: SCAN_EMF.namespace, metricName: SCAN_EMF.targetsWithFindings, dimensions: dims }], statistic: "Maximum", comparison: "GreaterThanThreshold", threshold: 0, periodSeconds: 86_400, evaluationPeriods: 1, datapointsToAlarm: 1 },
    });
    const kw = SCAN_HEARTBEAT_SECONDS_KUBERNETES;
    specs.push({
      id: "ScanSilent",
      group: "stemguard-scans",
      signal: `vulnerability scan \`${scan.name}\` (heartbeat)`,
      condition: "no successful scan in 8 days (Kubernetes); 7 daily periods without a completed scan, missing data breaching (AWS)",
      severity: "ticket",
      runbook: runbook("ScanSilent"),
      treatMissing: "breaching",
      windowSeconds: kw,
      rotation,
      description: `The weekly vulnerability scan ${scan.name} has not completed successfully in a week: it is not running, or it fails every time.`,
      prometheus: {
        // The later of creation and last success, so a new CronJob is not silent before its first Monday.
        expr: `(time() - max by (namespace, cronjob) (${selector(KUBE_STATE_METRICS.cronJobLastSuccess, cron)} or ${selector(KUBE_STATE_METRICS.cronJobCreated, cron)}) > ${kw}) or absent(${selector(KUBE_STATE_METRICS.cronJobCreated, { ...cron })})`,
        forSeconds: 3600,
      },
      cloudwatch: { metrics: [{ namespace: SCAN_EMF.namespace, metricName: SCAN_EMF.scanCompleted, dimensions: dims }], statistic: "Sum", comparison: "LessThanThreshold", threshold: 1, ...cloudWatchWindow(SCAN_HEARTBEAT_SECONDS_AWS, "ScanSilent", [86_400]), datapointsToAlarm: 7 },
    });
  }
  return specs;
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new StemguardError("must be a positive number", { field, value, fix: "pass a number above 0" });
  }
  return value;
}
