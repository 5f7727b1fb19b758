import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { toCloudWatchAlarms, type CloudWatchAlarmDefinition } from "../core/alarms/cloudwatch-alarms";
import { stemAlarmSpecs, type StemAlarmOptions } from "../core/alarms/stem-alarms";
import type { AlarmSeverity, AlarmSpec } from "../core/alarms/types";
import { StemguardError } from "../core/errors";
import { loadRotation, type AlarmLedgerProps } from "../private/alarm-source";
import type { IStemCensusJob } from "./census-job";
import type { IStemVulnerabilityScan, ITopicRef } from "./vulnerability-scan";

const STEM_ALARMS = Symbol.for("stemguard.aws.StemAlarms");

/** Thresholds of the default alarms (each has a default). */
export type StemAlarmThresholds = Pick<StemAlarmOptions, "failedTasksPerMinute" | "certificateTicketDays" | "certificatePageDays" | "retiringKeyDrainHours">;

/** The actions of one alarm. */
export interface AlarmActions {
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
}

/** Decides each alarm's actions by its severity (cdk-monitoring-constructs' action strategy). */
export interface IAlarmActionStrategy {
  actionsFor(severity: AlarmSeverity): AlarmActions;
}

/** SNS per severity: pages to `page`, tickets to `ticket` (default: the page topic too); OK notifications alike. */
export function notifySns(topics: { readonly page: ITopicRef; readonly ticket?: ITopicRef }): IAlarmActionStrategy {
  return {
    actionsFor: (severity) => {
      const arn = severity === "page" ? topics.page.arn : (topics.ticket ?? topics.page).arn;
      return { alarmActions: [arn], okActions: [arn] };
    },
  };
}

/** What other stacks read from the alarms. */
export interface IStemAlarms {
  /** CloudWatch alarm names, in spec order. */
  readonly alarmNames: readonly string[];
  /** The specs compiled. */
  readonly specs: readonly AlarmSpec[];
}

export interface StemAlarmsProps extends AlarmLedgerProps {
  /** What the alarms notify, by severity (`notifySns({ page, ticket })`). */
  readonly actions: IAlarmActionStrategy;
  /** The census job (its queues name the per-queue alarms), or `StemCensusJob.fromQueues([...])`. */
  readonly census: IStemCensusJob;
  /**
   * Alarm names are `<namePrefix>-<alarm id>[-<queue|key|certificate>]`.
   *
   * @default "stem"
   */
  readonly namePrefix?: string;
  /**
   * Certificate names the census inspects (the `Name` dimension of CertificateDaysLeft).
   *
   * @default - no certificate alarms
   */
  readonly certificates?: readonly string[];
  /**
   * The weekly scan the scan alarms watch.
   *
   * @default - no scan alarms
   */
  readonly scan?: IStemVulnerabilityScan;
  /**
   * Base of the runbook links (`<base>#<alarm id in lowercase>`).
   *
   * @default "docs/alarms.md"
   */
  readonly runbookBaseUrl?: string;
  /**
   * Thresholds of the default alarms.
   *
   * @default - 1 failed task/min, certificates 30 days (ticket) and 7 days (page), drain 24 h
   */
  readonly thresholds?: StemAlarmThresholds;
}

/**
 * The stemguard alarms as CloudWatch metric alarms with SNS actions: the
 * default signals of docs/alarms.md, one alarm per queue (and key, and
 * certificate) where CloudWatch needs exact dimensions, tightened while the
 * ledger has a staged or retiring key. Counters and levels treat missing
 * data as not breaching, heartbeats as breaching; every window is within
 * CloudWatch's limits (checked at synth). Stem's metrics come from the
 * collector configuration in docs/otel-collector/aws.yaml (namespace
 * `Stem`, dimension `queue`), the census's and the scan's from their EMF lines.
 */
export class StemAlarms extends Construct implements IStemAlarms {
  public static isStemAlarms(x: unknown): x is StemAlarms {
    return typeof x === "object" && x !== null && STEM_ALARMS in x;
  }

  public readonly namePrefix: string;
  public readonly specs: readonly AlarmSpec[];
  /** The alarm definitions, as created. */
  public readonly definitions: readonly CloudWatchAlarmDefinition[];
  /** The alarms by name. */
  public readonly alarms: ReadonlyMap<string, CloudwatchMetricAlarm>;
  private readonly actions: IAlarmActionStrategy;
  private readonly all: CloudWatchAlarmDefinition[] = [];
  private readonly byName = new Map<string, CloudwatchMetricAlarm>();

  constructor(scope: Construct, id: string, props: StemAlarmsProps) {
    super(scope, id);
    Object.defineProperty(this, STEM_ALARMS, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.namePrefix = props.namePrefix ?? "stem";
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(this.namePrefix)) {
      throw new StemguardError("namePrefix must be 1-64 letters, digits, '.', '_' or '-'", { field: field("namePrefix"), value: this.namePrefix, fix: 'e.g. "prod-stem"' });
    }
    if (props.census.queues.length === 0) {
      throw new StemguardError("the census names no queue: CloudWatch alarms read exact dimensions, so every per-queue alarm needs the queue list", { field: field("census"), value: [], fix: "give StemCensusJob its queues" });
    }
    this.actions = props.actions;
    this.specs = stemAlarmSpecs({
      ...props.thresholds,
      rotation: loadRotation(props, field),
      runbookBaseUrl: props.runbookBaseUrl,
      queues: props.census.queues,
      certificates: props.certificates,
      scan: props.scan ? { name: props.scan.scanName } : undefined,
    });
    for (const def of toCloudWatchAlarms(this.specs, this.namePrefix)) this.addDefinition(def);
    this.definitions = this.all;
    this.alarms = this.byName;
  }

  public get alarmNames(): readonly string[] {
    return this.all.map((d) => d.alarmName);
  }

  /** Adds alarms of your own from a spec with a `cloudwatch` condition (one per metric). */
  public addAlarm(spec: AlarmSpec): CloudwatchMetricAlarm[] {
    if (!spec.cloudwatch) {
      throw new StemguardError("an alarm on AWS needs a cloudwatch condition", { field: `${this.node.path}.addAlarm`, value: spec.id, fix: "give the spec a cloudwatch: { metrics, statistic, ... }" });
    }
    if (this.specs.some((s) => s.id === spec.id) || this.all.some((d) => d.specId === spec.id)) {
      throw new StemguardError("alarm id already used", { field: `${this.node.path}.addAlarm`, value: spec.id, fix: "give the alarm an id of its own" });
    }
    return toCloudWatchAlarms([spec], this.namePrefix).map((d) => this.addDefinition(d));
  }

  private addDefinition(def: CloudWatchAlarmDefinition): CloudwatchMetricAlarm {
    const actions = this.actions.actionsFor(def.severity);
    const metric = { namespace: def.metric.namespace, metricName: def.metric.metricName, dimensions: { ...def.metric.dimensions } };
    const alarm = new CloudwatchMetricAlarm(this, def.alarmName.slice(this.namePrefix.length + 1), {
      alarmName: def.alarmName,
      alarmDescription: def.alarmDescription,
      comparisonOperator: def.comparison,
      threshold: def.threshold,
      evaluationPeriods: def.evaluationPeriods,
      datapointsToAlarm: def.datapointsToAlarm,
      treatMissingData: def.treatMissingData,
      alarmActions: [...actions.alarmActions],
      okActions: [...actions.okActions],
      tags: { "stemguard:alarm": def.specId, "stemguard:severity": def.severity },
      ...(def.expression
        ? {
            metricQuery: [
              { id: "m1", returnData: false, metric: { ...metric, period: def.periodSeconds, stat: def.statistic } },
              { id: "e1", returnData: true, expression: def.expression, label: def.specId },
            ],
          }
        : { ...metric, statistic: def.statistic, period: def.periodSeconds }),
    });
    this.all.push(def);
    this.byName.set(def.alarmName, alarm);
    return alarm;
  }
}
