import { describeRotation } from "./rotation";
import { promDuration } from "./promql";
import type { AlarmSeverity, AlarmSpec } from "./types";

/** A Prometheus alerting rule, as `promtool check rules` reads it. */
export interface PrometheusAlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface PrometheusRuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly PrometheusAlertRule[];
}

export interface PrometheusRuleOptions {
  /**
   * Labels per severity (Alertmanager routes on them): the Kubernetes action strategy.
   *
   * @default - `{ severity: "page" }` and `{ severity: "ticket" }`
   */
  readonly severityLabels?: Readonly<Record<AlarmSeverity, Readonly<Record<string, string>>>>;
  /**
   * Labels on every rule (e.g. `team`).
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The label naming the spec an alert came from. */
export const ALARM_ID_LABEL = "stemguard_alarm";

/** The specs with a Prometheus condition as rule groups, in spec order. */
export function toPrometheusRuleGroups(specs: readonly AlarmSpec[], options: PrometheusRuleOptions = {}): PrometheusRuleGroup[] {
  const severityLabels = options.severityLabels ?? { page: { severity: "page" }, ticket: { severity: "ticket" } };
  const groups = new Map<string, PrometheusAlertRule[]>();
  for (const spec of specs) {
    if (!spec.prometheus) continue;
    const rules = groups.get(spec.group) ?? [];
    groups.set(spec.group, rules);
    rules.push({
      alert: `Stem${spec.id}`,
      expr: spec.prometheus.expr,
      ...(spec.prometheus.forSeconds > 0 ? { for: promDuration(spec.prometheus.forSeconds) } : {}),
      labels: { ...options.labels, ...severityLabels[spec.severity], [ALARM_ID_LABEL]: spec.id },
      annotations: {
        summary: `${spec.signal.replace(/`/g, "")}: ${spec.condition}`,
        description: spec.description,
        runbook_url: spec.runbook,
        ...(spec.rotation
          ? {
              rotation: describeRotation(spec.rotation),
              rotation_phase: String(spec.rotation.phase),
              staged_keys: spec.rotation.stagedKeyIds.join(","),
              retiring_keys: spec.rotation.retiringKeyIds.join(","),
            }
          : {}),
      },
    });
  }
  return [...groups].map(([name, rules]) => ({ name, rules }));
}
