import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Lazy, TerraformResource, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { toPrometheusRuleGroups, type PrometheusRuleGroup } from "../core/alarms/prometheus-rules";
import { stemAlarmSpecs, type StemAlarmOptions } from "../core/alarms/stem-alarms";
import type { AlarmSeverity, AlarmSpec } from "../core/alarms/types";
import { StemguardError } from "../core/errors";
import { loadRotation, type AlarmLedgerProps } from "../private/alarm-source";
import { assertLabels, assertNamespace } from "./kubernetes-names";
import type { IStemVulnerabilityScan } from "./vulnerability-scan";

const STEM_ALARMS = Symbol.for("stemguard.kubernetes.StemAlarms");

/** Thresholds of the default alarms (each has a default). */
export type StemAlarmThresholds = Pick<StemAlarmOptions, "failedTasksPerMinute" | "certificateTicketDays" | "certificatePageDays" | "retiringKeyDrainHours">;

/** What other stacks read from the alarms. */
export interface IStemAlarms {
  /** Alert names (`Stem<id>`), in spec order. */
  readonly alarmNames: readonly string[];
  /** The specs compiled, after every `addAlarm`. */
  readonly specs: readonly AlarmSpec[];
}

export interface StemAlarmsProps extends AlarmLedgerProps {
  /** Namespace of the PrometheusRule (one the Prometheus Operator watches). */
  readonly namespace: string;
  /**
   * Name of the PrometheusRule.
   *
   * @default "stem-alarms"
   */
  readonly name?: string;
  /**
   * Labels of the PrometheusRule, e.g. the `release` label your Prometheus's
   * `ruleSelector` matches (kube-prometheus-stack selects `release: <helm release>`).
   *
   * @default - `app.kubernetes.io/managed-by: stemguard` only
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The weekly scan the scan alarms watch (`StemVulnerabilityScan` or
   * `StemVulnerabilityScan.fromScanName` in another stack).
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
   * The action strategy: labels per severity, which Alertmanager routes on.
   *
   * @default - `severity: page` and `severity: ticket`
   */
  readonly severityLabels?: Readonly<Record<AlarmSeverity, Readonly<Record<string, string>>>>;
  /**
   * Thresholds of the default alarms.
   *
   * @default - 1 failed task/min, certificates 30 days (ticket) and 7 days (page), drain 24 h
   */
  readonly thresholds?: StemAlarmThresholds;
}

/**
 * The stemguard alarms as one `PrometheusRule` (Prometheus Operator CRD),
 * applied through `kubernetes_manifest`: the default signals of
 * docs/alarms.md, tightened while the ledger (`ledger`/`ledgerFile`) has a
 * staged or retiring key, plus any `addAlarm`.
 *
 * `kubernetes_manifest` reads the CRD's schema during `terraform plan`, so
 * the CRD must exist before this stack is planned: keep StemAlarms in a stack
 * of its own (checked at synth), applied after the one that installs the
 * Prometheus Operator. The metrics come from the collector configuration in
 * docs/otel-collector/kubernetes.yaml (Stem) and the census exporter.
 */
export class StemAlarms extends Construct implements IStemAlarms {
  public static isStemAlarms(x: unknown): x is StemAlarms {
    return typeof x === "object" && x !== null && STEM_ALARMS in x;
  }

  /** The `kubernetes_manifest` holding the PrometheusRule. */
  public readonly resource: Manifest;
  public readonly namespace: string;
  public readonly name: string;
  private readonly allSpecs: AlarmSpec[];
  private readonly severityLabels?: StemAlarmsProps["severityLabels"];

  constructor(scope: Construct, id: string, props: StemAlarmsProps) {
    super(scope, id);
    Object.defineProperty(this, STEM_ALARMS, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;
    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.name = props.name ?? "stem-alarms";
    assertNamespace(this.name, field("name"));
    const labels = { "app.kubernetes.io/managed-by": "stemguard", ...props.labels };
    assertLabels(labels, field("labels"));
    this.severityLabels = props.severityLabels;
    this.allSpecs = stemAlarmSpecs({
      ...props.thresholds,
      rotation: loadRotation(props, field),
      runbookBaseUrl: props.runbookBaseUrl,
      scan: props.scan ? { name: props.scan.scanName, namespace: props.scan.namespace } : undefined,
    });
    this.resource = new Manifest(this, "Resource", {
      manifest: {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: { groups: Lazy.anyValue({ produce: () => this.ruleGroups }) },
      },
    });
    this.node.addValidation({ validate: () => this.ownStackProblems() });
  }

  /** The specs compiled, after every `addAlarm`. */
  public get specs(): readonly AlarmSpec[] {
    return this.allSpecs;
  }

  public get alarmNames(): readonly string[] {
    return this.ruleGroups.flatMap((g) => g.rules.map((r) => r.alert));
  }

  /** The rule groups the PrometheusRule's `spec.groups` holds (what `promtool check rules` reads). */
  public get ruleGroups(): PrometheusRuleGroup[] {
    return toPrometheusRuleGroups(this.allSpecs, { severityLabels: this.severityLabels });
  }

  /** Adds an alarm of your own (it needs a `prometheus` condition to render here). */
  public addAlarm(spec: AlarmSpec): void {
    if (!spec.prometheus) {
      throw new StemguardError("an alarm on Kubernetes needs a prometheus condition", { field: `${this.node.path}.addAlarm`, value: spec.id, fix: "give the spec a prometheus: { expr, forSeconds }" });
    }
    if (this.allSpecs.some((s) => s.id === spec.id)) {
      throw new StemguardError("alarm id already used", { field: `${this.node.path}.addAlarm`, value: spec.id, fix: "give the alarm an id of its own" });
    }
    this.allSpecs.push(spec);
  }

  /** kubernetes_manifest plans need the CRD: any other resource in this stack would be blocked with it. */
  private ownStackProblems(): string[] {
    const others = TerraformStack.of(this)
      .node.findAll()
      .filter((c): c is TerraformResource => c instanceof TerraformResource && !(c instanceof Manifest && StemAlarms.isStemAlarms(c.node.scope)));
    return others.length === 0
      ? []
      : [
          `StemAlarms needs a stack of its own: kubernetes_manifest reads the PrometheusRule CRD during plan, so this stack cannot plan before the Prometheus Operator is installed, and ${others
            .slice(0, 3)
            .map((o) => o.node.path)
            .join(", ")} would wait with it. Move StemAlarms to its own TerraformStack.`,
        ];
  }
}
