// The alarm spec and its two compilers, without cdktf: every PromQL expression
// parses with the real PromQL grammar (@prometheus-io/lezer-promql), every
// CloudWatch window is within CloudWatch's limits, the rotation tightens the
// signature alarm and names the phase and keys, and the README table is the
// generated one.
import * as fs from "node:fs";
import * as path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { alarmTable, ALARM_TABLE_BEGIN, ALARM_TABLE_END } from "../../../lib/core/alarms/alarm-table";
import { toCloudWatchAlarms } from "../../../lib/core/alarms/cloudwatch-alarms";
import { assertCloudWatchWindow, cloudWatchWindow } from "../../../lib/core/alarms/cloudwatch-limits";
import { toPrometheusRuleGroups } from "../../../lib/core/alarms/prometheus-rules";
import { rotationContext } from "../../../lib/core/alarms/rotation";
import { stemAlarmSpecs, type StemAlarmOptions } from "../../../lib/core/alarms/stem-alarms";
import { applyStep, initLedger } from "../../../lib/core/keyring/steps";
import { refused } from "../../support/refused";

const k1 = initLedger("hmac-sha256", "k1");
const staged = applyStep(k1, "stage", "k2");
const activated = applyStep(staged, "activate", "k2");
const retired = applyStep(activated, "retire", "k1");
const FULL: StemAlarmOptions = { queues: ["default", "emails"], certificates: ["redis-ca"], scan: { name: "stem-scan", namespace: "stem" } };

/** Every syntax error node of a PromQL expression, with its position. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}

describe("PromQL", () => {
  const variants = [stemAlarmSpecs(FULL), ...[k1, staged, activated, retired].map((l) => stemAlarmSpecs({ ...FULL, rotation: rotationContext(l) }))];

  test("every expression of every phase parses with the PromQL grammar", () => {
    const exprs = variants.flatMap((specs) => toPrometheusRuleGroups(specs).flatMap((g) => g.rules.map((r) => r.expr)));
    expect(exprs.length).toBeGreaterThan(40);
    for (const expr of exprs) expect(promqlErrors(expr)).toEqual([]);
  });

  test("the parser sees a broken expression (the check can fail)", () => {
    expect(promqlErrors("sum by (queue) (increase(x[5m]) > ")).not.toEqual([]);
    expect(promqlErrors("rate(x[5m]")).not.toEqual([]);
  });

  test("key ids are quoted as regex literals in the drain alarm", () => {
    const specs = stemAlarmSpecs({ rotation: { phase: 4, activeKeyId: "k3", stagedKeyIds: [], retiringKeyIds: ["k1.2024", "k2"] } });
    const expr = specs.find((s) => s.id === "RetiringKeyStillLive")!.prometheus!.expr;
    expect(expr).toContain('key_id=~"k1\\\\.2024|k2"');
    expect(promqlErrors(expr)).toEqual([]);
  });
});

describe("rotation awareness", () => {
  const signature = (options: StemAlarmOptions) => stemAlarmSpecs(options).find((s) => s.id === "SignatureInvalid")!;

  test("outside a rotation the signature alarm is a ticket on 15 minutes (5-minute CloudWatch periods)", () => {
    for (const ledger of [k1, retired]) {
      const spec = signature({ ...FULL, rotation: rotationContext(ledger) });
      expect(spec).toMatchObject({ severity: "ticket", windowSeconds: 900, rotation: undefined });
      expect(spec.cloudwatch).toMatchObject({ periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 1 });
      expect(spec.description).not.toMatch(/rotation phase/);
    }
  });

  test("with a staged or retiring key it pages on 5 minutes (1-minute periods) and names the phase and key ids", () => {
    const whileStaged = signature({ ...FULL, rotation: rotationContext(staged) });
    expect(whileStaged).toMatchObject({ severity: "page", windowSeconds: 300 });
    expect(whileStaged.cloudwatch).toMatchObject({ periodSeconds: 60, evaluationPeriods: 5 });
    expect(whileStaged.description).toContain("rotation phase 2: k2 staged (active k1)");
    const rule = toPrometheusRuleGroups(stemAlarmSpecs({ rotation: rotationContext(activated) }))
      .flatMap((g) => g.rules)
      .find((r) => r.alert === "StemSignatureInvalid")!;
    expect(rule.labels.severity).toBe("page");
    expect(rule.annotations).toMatchObject({ rotation_phase: "3", staged_keys: "", retiring_keys: "k1" });
    expect(rule.annotations.description).toContain("k1 retiring (active k2)");
    const alarm = toCloudWatchAlarms(stemAlarmSpecs({ ...FULL, rotation: rotationContext(activated) }), "stem").find((a) => a.specId === "SignatureInvalid")!;
    expect(alarm.alarmDescription).toContain("rotation phase 3: k1 retiring (active k2)");
  });

  test("a retiring key gets a drain alarm per queue and key; none otherwise", () => {
    expect(stemAlarmSpecs({ ...FULL, rotation: rotationContext(staged) }).some((s) => s.id === "RetiringKeyStillLive")).toBe(false);
    const alarms = toCloudWatchAlarms(stemAlarmSpecs({ ...FULL, rotation: rotationContext(activated) }), "stem").filter((a) => a.specId === "RetiringKeyStillLive");
    expect(alarms.map((a) => a.alarmName)).toEqual(["stem-RetiringKeyStillLive-default", "stem-RetiringKeyStillLive-emails"]);
    expect(alarms[0].metric.dimensions).toEqual({ Queue: "default", KeyId: "k1" });
    expect(alarms[0]).toMatchObject({ periodSeconds: 3600, evaluationPeriods: 24, datapointsToAlarm: 24 });
  });
});

describe("CloudWatch windows", () => {
  const alarms = toCloudWatchAlarms(stemAlarmSpecs({ ...FULL, rotation: rotationContext(activated) }), "stem");

  test("every default alarm is within CloudWatch's limits", () => {
    for (const a of alarms) {
      expect([10, 20, 30].includes(a.periodSeconds) || a.periodSeconds % 60 === 0).toBe(true);
      expect(a.datapointsToAlarm).toBeLessThanOrEqual(a.evaluationPeriods);
      expect(a.periodSeconds * a.evaluationPeriods).toBeLessThanOrEqual(a.periodSeconds < 3600 ? 86_400 : 604_800);
    }
  });

  test("counters and levels treat missing data as not breaching, heartbeats as breaching", () => {
    const byId = (id: string) => alarms.filter((a) => a.specId === id);
    for (const id of ["SignatureInvalid", "DeadLetterUnknownKey", "TasksFailing", "CertificateExpiring", "ScanFindings"]) {
      expect(byId(id).map((a) => a.treatMissingData)).toEqual(byId(id).map(() => "notBreaching"));
    }
    expect(byId("CensusSilent")).toEqual([expect.objectContaining({ treatMissingData: "breaching", periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 })]);
  });

  test("the scan heartbeat is 7 of 7 daily periods, missing data breaching (CloudWatch's 7-day limit)", () => {
    const [silent] = alarms.filter((a) => a.specId === "ScanSilent");
    expect(silent).toMatchObject({
      periodSeconds: 86_400,
      evaluationPeriods: 7,
      datapointsToAlarm: 7,
      comparison: "LessThanThreshold",
      threshold: 1,
      statistic: "Sum",
      treatMissingData: "breaching",
      metric: { namespace: "Stemguard/Scans", metricName: "ScanCompleted", dimensions: { Scan: "stem-scan" } },
    });
  });

  test("dead letters alarm on the increase of the level, one alarm per queue and error class", () => {
    const unknown = alarms.filter((a) => a.specId === "DeadLetterUnknownKey");
    expect(unknown.map((a) => a.metric.dimensions)).toEqual([
      { Queue: "default", Reason: "signature-invalid", Error: "unknown signing key" },
      { Queue: "emails", Reason: "signature-invalid", Error: "unknown signing key" },
    ]);
    expect(unknown[0]).toMatchObject({ expression: "DIFF(FILL(m1, 0))", comparison: "GreaterThanThreshold", threshold: 0 });
  });

  test("fails on windows CloudWatch rejects, naming the limit", () => {
    expect(refused(() => assertCloudWatchWindow({ periodSeconds: 86_400, evaluationPeriods: 8, datapointsToAlarm: 8 }, "x")).message).toMatch(/7-day limit of 604800 s/);
    expect(refused(() => assertCloudWatchWindow({ periodSeconds: 300, evaluationPeriods: 289, datapointsToAlarm: 1 }, "x")).message).toMatch(/1-day \(periods under an hour\)/);
    expect(refused(() => assertCloudWatchWindow({ periodSeconds: 90, evaluationPeriods: 1, datapointsToAlarm: 1 }, "x")).message).toMatch(/multiple of 60/);
    expect(refused(() => assertCloudWatchWindow({ periodSeconds: 60, evaluationPeriods: 2, datapointsToAlarm: 3 }, "x")).message).toMatch(/datapointsToAlarm \(3\)/);
    expect(refused(() => cloudWatchWindow(8 * 86_400, "ScanSilent")).message).toMatch(/at most 7 days/);
    expect(cloudWatchWindow(SEVEN_DAYS, "x", [86_400])).toEqual({ periodSeconds: 86_400, evaluationPeriods: 7 });
    expect(refused(() => stemAlarmSpecs({ retiringKeyDrainHours: 169 })).field).toBe("retiringKeyDrainHours");
  });

  test("without queues there are no per-queue CloudWatch alarms (the AWS construct requires them)", () => {
    const names = toCloudWatchAlarms(stemAlarmSpecs({ scan: { name: "s" } }), "stem").map((a) => a.specId);
    expect(names).toEqual(["CensusSilent", "ScanFindings", "ScanSilent"]);
  });
});

const SEVEN_DAYS = 7 * 86_400;

test("README's alarm table is the generated one", () => {
  const readme = fs.readFileSync(path.join(__dirname, "../../../README.md"), "utf8");
  const start = readme.indexOf(ALARM_TABLE_BEGIN);
  const end = readme.indexOf(ALARM_TABLE_END);
  expect(start).toBeGreaterThan(0);
  expect(readme.slice(start + ALARM_TABLE_BEGIN.length, end).trim()).toBe(alarmTable());
});
