// Kubernetes StemAlarms: the PrometheusRule's spec, extracted from the
// synthesized kubernetes_manifest, passes real `promtool check rules` in every
// rotation phase, and `promtool test rules` shows the signature alert firing on
// the first increment after a restart (a new series, and a reset of the same
// series) and not firing while the counter is flat.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import type { SigningLedger } from "../../lib/core/keyring/types";
import { StemAlarms, type StemAlarmsProps } from "../../lib/kubernetes/alarms";
import { StemCensusJob } from "../../lib/kubernetes/census-job";
import { StemVulnerabilityScan } from "../../lib/kubernetes/vulnerability-scan";
import { describeWithPromtool, promtool } from "../support/promtool";
import { refused } from "../support/refused";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const k1 = initLedger("hmac-sha256", "k1");
const staged = applyStep(k1, "stage", "k2");
const activated = applyStep(staged, "activate", "k2");
const retired = applyStep(activated, "retire", "k1");
const PHASES: Record<string, SigningLedger> = { init: k1, stage: staged, activate: activated, retire: retired };

function alarmsStack(props: Partial<StemAlarmsProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "alarms");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  const alarms = new StemAlarms(stack, "Alarms", { namespace: "monitoring", labels: { release: "kube-prometheus-stack" }, scan: StemVulnerabilityScan.fromScanName("stem-scan", "stem"), ...props });
  return { stack, alarms };
}

/** The PrometheusRule objects of a synthesized stack. */
function prometheusRules(stack: TerraformStack): Json[] {
  const json = JSON.parse(Testing.synth(stack, true)) as Json;
  return Object.values((json.resource?.kubernetes_manifest ?? {}) as Record<string, Json>)
    .map((r) => r.manifest as Json)
    .filter((m) => m.kind === "PrometheusRule");
}

describe("StemAlarms (Kubernetes)", () => {
  test("one PrometheusRule with the labels the Operator selects and the default groups", () => {
    const [rule] = prometheusRules(alarmsStack({ ledger: activated }).stack);
    expect(rule).toMatchObject({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: { name: "stem-alarms", namespace: "monitoring", labels: { release: "kube-prometheus-stack", "app.kubernetes.io/managed-by": "stemguard" } } });
    expect((rule.spec.groups as Json[]).map((g) => g.name)).toEqual(["stemguard-signing", "stemguard-dead-letters", "stemguard-census", "stemguard-scans"]);
    const signature = (rule.spec.groups[0].rules as Json[]).find((r) => r.alert === "StemSignatureInvalid")!;
    expect(signature.labels).toEqual({ severity: "page", stemguard_alarm: "SignatureInvalid" });
    expect(signature.annotations.rotation).toBe("rotation phase 3: k1 retiring (active k2)");
  });

  test("the construct id and resource address are stable", () => {
    const json = JSON.parse(Testing.synth(alarmsStack().stack)) as Json;
    expect(Object.keys(json.resource.kubernetes_manifest)).toEqual(["Alarms_04B5A0BF"]);
  });

  test("severity labels are the action strategy; addAlarm adds a rule", () => {
    const { stack, alarms } = alarmsStack({ severityLabels: { page: { severity: "critical", team: "stem" }, ticket: { severity: "warning", team: "stem" } } });
    alarms.addAlarm({ id: "QueueDeep", group: "team", signal: "`stem_queue_depth`", condition: "over 1000", severity: "ticket", runbook: "x", treatMissing: "notBreaching", windowSeconds: 600, description: "deep", prometheus: { expr: "max by (queue) (stem_queue_depth) > 1000", forSeconds: 600 } });
    const [rule] = prometheusRules(stack);
    const rules = (rule.spec.groups as Json[]).flatMap((g) => g.rules as Json[]);
    expect(rules.find((r) => r.alert === "StemQueueDeep")).toMatchObject({ for: "10m", labels: { severity: "warning", team: "stem" } });
    expect(rules.find((r) => r.alert === "StemSignatureInvalid")!.labels.severity).toBe("warning");
    expect(refused(() => alarms.addAlarm({ ...alarms.specs[0] })).message).toMatch(/already used/);
  });

  test("fails synthesis next to other resources: the CRD must exist before this stack plans", () => {
    const { stack } = alarmsStack();
    new StemCensusJob(stack, "Census", { namespace: "stem", image: `stemguard:0.1.0@sha256:${"b".repeat(64)}` });
    expect(() => Testing.synth(stack, true)).toThrow(/StemAlarms needs a stack of its own: kubernetes_manifest reads the PrometheusRule CRD during plan/);
  });
});

describeWithPromtool("promtool on the synthesized PrometheusRule", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-promtool-"));
    for (const [name, ledger] of Object.entries(PHASES)) {
      const [rule] = prometheusRules(alarmsStack({ ledger }).stack);
      // JSON is YAML: promtool reads the spec exactly as synthesized.
      fs.writeFileSync(path.join(dir, `${name}.rules.yml`), JSON.stringify(rule.spec, null, 1));
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("every phase's rule groups pass `promtool check rules`", () => {
    const files = Object.keys(PHASES).map((n) => `${n}.rules.yml`);
    const r = promtool(["check", "rules", ...files], dir);
    expect(r.output).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    expect(r.output.match(/SUCCESS: \d+ rules found/g)).toHaveLength(4);
  });

  test("promtool check rules fails on a broken expression (the check can fail)", () => {
    fs.writeFileSync(path.join(dir, "broken.yml"), JSON.stringify({ groups: [{ name: "x", rules: [{ alert: "X", expr: "sum(rate(x[5m])" }] }] }));
    expect(promtool(["check", "rules", "broken.yml"], dir).status).not.toBe(0);
  });

  test("`promtool test rules`: the signature alert fires on the first increment after a restart, not while flat", () => {
    const series = (labels: string, values: string) => ({ series: `stem_tasks_signature_invalid_total{${labels}}`, values });
    const rule = (JSON.parse(fs.readFileSync(path.join(dir, "retire.rules.yml"), "utf8")) as Json).groups[0].rules.find((r: Json) => r.alert === "StemSignatureInvalid") as Json;
    const alert = (queue: string, phase: Json) => ({
      exp_labels: { queue, severity: phase.severity, stemguard_alarm: "SignatureInvalid" },
      exp_annotations: { ...rule.annotations, description: (rule.annotations.description as string).replace("{{ $labels.queue }}", queue) },
    });
    const tests = {
      rule_files: ["retire.rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            // A worker pod that restarted (new instance label): its counter is born at 1, which increase() alone never sees.
            series('queue="new",task="t",instance="pod-b"', "_x30 1x30"),
            // The same series reset by a restart: 5 before, 1 after.
            series('queue="reset",task="t",instance="pod-a"', "5x30 _x2 1x30"),
            // Flat: failures long ago, none since.
            series('queue="flat",task="t",instance="pod-c"', "3x60"),
          ],
          alert_rule_test: [
            // Every series flat for over the 15-minute window: nothing fires.
            { eval_time: "20m", alertname: "StemSignatureInvalid", exp_alerts: [] },
            // Just after the restarts: both fire, the flat queue does not.
            { eval_time: "34m", alertname: "StemSignatureInvalid", exp_alerts: [alert("new", { severity: "ticket" }), alert("reset", { severity: "ticket" })] },
            // Flat again for a whole window: resolved.
            { eval_time: "55m", alertname: "StemSignatureInvalid", exp_alerts: [] },
          ],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, "signature.test.yml"), JSON.stringify(tests, null, 1));
    const r = promtool(["test", "rules", "signature.test.yml"], dir);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  test("plain increase() misses the first increment of a restarted worker (why the rule has a second clause)", () => {
    fs.writeFileSync(path.join(dir, "plain.rules.yml"), JSON.stringify({ groups: [{ name: "plain", rules: [{ alert: "Plain", expr: "sum by (queue) (increase(stem_tasks_signature_invalid_total[15m])) > 0" }] }] }));
    const tests = {
      rule_files: ["plain.rules.yml"],
      evaluation_interval: "1m",
      tests: [{ interval: "1m", input_series: [{ series: 'stem_tasks_signature_invalid_total{queue="new",task="t",instance="pod-b"}', values: "_x30 1x30" }], alert_rule_test: [{ eval_time: "34m", alertname: "Plain", exp_alerts: [] }] }],
    };
    fs.writeFileSync(path.join(dir, "plain.test.yml"), JSON.stringify(tests));
    expect(promtool(["test", "rules", "plain.test.yml"], dir).status).toBe(0);
  });
});
