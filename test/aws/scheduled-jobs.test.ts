// AWS StemAlarms, StemVulnerabilityScan and StemCensusJob on the synthesized
// JSON: what the offline plan cannot show (Scheduler expression and time
// zone, alarm windows, the EventBridge pattern, least-privilege policies).
// Real terraform validate/plan of the same stack: test/transitions/scheduled-jobs.transition.ts.
import { Testing } from "cdktf";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import { StemAlarms } from "../../lib/aws/alarms";
import { StemCensusJob } from "../../lib/aws/census-job";
import { STEM_TLS_ENTRYPOINT_SCRIPT, StemTlsBundles } from "../../lib/aws/tls-bundles";
import { StemVulnerabilityScan } from "../../lib/aws/vulnerability-scan";
import { refused } from "../support/refused";
import { CLI_IMAGE, CLUSTER_ARN, scheduledJobsStack } from "./scheduled-jobs-stack";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const activated = applyStep(applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2"), "activate", "k2");
const synth = (ledger = activated) => JSON.parse(Testing.synth(scheduledJobsStack(ledger).stack, true)) as Json;
const byName = (json: Json, type: string, name: string) => Object.values(json.resource[type] as Record<string, Json>).find((r) => r.name === name || r.alarm_name === name)!;

describe("scheduled tasks", () => {
  const json = synth();

  test("the scan runs Monday 06:00 UTC: cron(0 6 ? * MON *), time zone UTC, no flexible window, a DLQ", () => {
    const scan = byName(json, "aws_scheduler_schedule", "stem-scan");
    expect(scan).toMatchObject({ schedule_expression: "cron(0 6 ? * MON *)", schedule_expression_timezone: "UTC", flexible_time_window: { mode: "OFF" } });
    expect(scan.target.dead_letter_config.arn).toMatch(/aws_sqs_queue\..*\.arn/);
    expect(scan.target.ecs_parameters).toMatchObject({ launch_type: "FARGATE", network_configuration: { assign_public_ip: false } });
    expect(scan.target.arn).toBe(CLUSTER_ARN);
  });

  test("the census runs every 5 minutes", () => {
    expect(byName(json, "aws_scheduler_schedule", "stem-census")).toMatchObject({ schedule_expression: "rate(5 minutes)", schedule_expression_timezone: "UTC" });
  });

  test("the scheduler role may run only its task family and pass only its roles", () => {
    const policies = Object.values(json.resource.aws_iam_role_policy as Record<string, Json>).map((p) => p.policy as string);
    const scheduler = policies.find((p) => p.includes("ecs:RunTask") && p.includes("stem-scan") === false && p.includes("Scan_Task"))!;
    expect(scheduler).toMatch(/arn_without_revision\}:\*/);
    expect(scheduler).toMatch(/iam:PassRole/);
    expect(scheduler).toMatch(/sqs:SendMessage/);
    // The census execution role reads only its own secret; the census task has no role.
    const censusTd = byName(json, "aws_ecs_task_definition", "stem-census") ?? Object.values(json.resource.aws_ecs_task_definition as Record<string, Json>).find((t) => t.family === "stem-census")!;
    expect(censusTd.task_role_arn).toBeUndefined();
  });

  test("the scan task: trivy by digest, non-root, read-only root, cache volume, the fleet images", () => {
    const td = Object.values(json.resource.aws_ecs_task_definition as Record<string, Json>).find((t) => t.family === "stem-scan")!;
    expect(td.volume).toEqual([{ name: "trivy-cache" }, { name: "tmp" }]);
    expect(td.container_definitions).toContain("aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c");
    expect(td.container_definitions).toContain('"user":"65532:65532"');
    expect(td.container_definitions).toContain('"readonlyRootFilesystem":true');
  });

  test("an EventBridge rule sends stopped scans that failed or found vulnerabilities to SNS", () => {
    const rule = byName(json, "aws_cloudwatch_event_rule", "stem-scan-stopped");
    expect(rule.event_pattern).toContain("ECS Task State Change");
    expect(rule.event_pattern).toContain("anything-but");
    expect(rule.event_pattern).toContain("TaskFailedToStart");
    const target = Object.values(json.resource.aws_cloudwatch_event_target as Record<string, Json>)[0];
    expect(target.arn).toMatch(/aws_sns_topic\.Alerts/);
  });

  test("the broker URL is a write-only secret version from an ephemeral input; the container reads it by version", () => {
    const version = Object.values(json.resource.aws_secretsmanager_secret_version as Record<string, Json>)[0];
    expect(version).toMatchObject({ secret_string_wo: "${var.stem_census_broker_url}", secret_string_wo_version: 1 });
    expect(version.secret_string).toBeUndefined();
    expect(json.variable.stem_census_broker_url).toMatchObject({ ephemeral: true, sensitive: true });
  });
});

describe("alarms", () => {
  test("every alarm is an SNS-notifying CloudWatch alarm; heartbeats breaching, counters not", () => {
    const alarms = Object.values(synth().resource.aws_cloudwatch_metric_alarm as Record<string, Json>);
    // 2 queues x (signature, 3 dead-letter classes, failing, retiring k1) + 2 certificate + census + 2 scan
    expect(alarms.length).toBe(17);
    for (const a of alarms) expect(a.alarm_actions[0]).toMatch(/aws_sns_topic\.Alerts/);
    const byAlarm = (n: string) => alarms.find((a) => a.alarm_name === n)!;
    expect(byAlarm("stem-CensusSilent")).toMatchObject({ treat_missing_data: "breaching", namespace: "Stemguard/Census", metric_name: "CensusCompleted", period: 300, evaluation_periods: 3 });
    expect(byAlarm("stem-ScanSilent")).toMatchObject({ treat_missing_data: "breaching", period: 86400, evaluation_periods: 7, datapoints_to_alarm: 7, dimensions: { Scan: "stem-scan" } });
    expect(byAlarm("stem-SignatureInvalid-default")).toMatchObject({ treat_missing_data: "notBreaching", namespace: "Stem", metric_name: "tasks_signature_invalid", dimensions: { queue: "default" }, period: 60 });
    expect(byAlarm("stem-SignatureInvalid-default").alarm_description).toContain("rotation phase 3: k1 retiring (active k2)");
    const dead = byAlarm("stem-DeadLetterUnknownKey-emails");
    expect(dead.metric_query).toEqual([
      expect.objectContaining({ id: "m1", return_data: false, metric: expect.objectContaining({ namespace: "Stemguard/Census", metric_name: "DeadLetters", period: 300, stat: "Maximum", dimensions: { Queue: "emails", Reason: "signature-invalid", Error: "unknown signing key" } }) }),
      expect.objectContaining({ id: "e1", return_data: true, expression: "DIFF(FILL(m1, 0))" }),
    ]);
  });

  test("fails when the census names no queue", () => {
    const { stack } = scheduledJobsStack();
    expect(refused(() => new StemAlarms(stack, "More", { actions: { actionsFor: () => ({ alarmActions: [], okActions: [] }) }, census: { queues: [] } })).message).toMatch(/census names no queue/);
    expect(refused(() => new StemVulnerabilityScan(stack, "S2", { cluster: { arn: CLUSTER_ARN }, subnetIds: ["subnet-1"], securityGroupIds: [], images: ["orders:1"], notificationTopic: { arn: "arn:aws:sns:eu-west-1:1:t" }, name: "s2" })).field).toMatch(/images\[0\]$/);
  });
});

describe("census job over mutual TLS (tlsBundles)", () => {
  const { stack } = scheduledJobsStack(undefined, "plain");
  const tls = new StemTlsBundles(stack, "Tls", { namePrefix: "prod/stem/tls", revision: 4 });
  const census = new StemCensusJob(stack, "TlsCensus", { cluster: { arn: CLUSTER_ARN }, subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"], image: CLI_IMAGE, queues: ["default"], name: "tls-census", tlsBundles: tls });
  const json = JSON.parse(Testing.synth(stack, true)) as Json;
  const td = Object.values(json.resource.aws_ecs_task_definition as Record<string, Json>).find((t) => t.family === "tls-census")!;
  // container_definitions is jsonencode()d with tokens inside: read it through a placeholder for them.
  const [container] = JSON.parse((td.container_definitions as string).replace(/^\$\{jsonencode\(|\)\}$/g, "")) as Json[];

  test("the entry point runs StemTlsBundles' convention, then the census; the PEMs come as pinned secrets, the paths as env", () => {
    expect(container.entryPoint).toEqual(["/bin/sh", "-c", STEM_TLS_ENTRYPOINT_SCRIPT, "stem-tls-entrypoint", "/bin/sh", "-c", 'exec stemguard census --broker "$STEM_BROKER_URL" --format emf "$@"', "stemguard-census"]);
    expect(container.command).toEqual(["--queue", "default", "--certificate", "/run/stem-tls/ca.crt", "--certificate", "/run/stem-tls/client.crt"]);
    expect(census.certificateFiles).toEqual(["/run/stem-tls/ca.crt", "/run/stem-tls/client.crt"]);
    expect(container.environment).toEqual([
      { name: "TZ", value: "UTC" },
      { name: "STEM_TLS_CA_CERT", value: "/run/stem-tls/ca.crt" },
      { name: "STEM_TLS_CLIENT_CERT", value: "/run/stem-tls/client.crt" },
      { name: "STEM_TLS_CLIENT_KEY", value: "/run/stem-tls/client.key" },
      { name: "STEMGUARD_TLS_REVISION", value: "4" },
    ]);
    expect(container.secrets.map((x: Json) => x.name)).toEqual(["STEM_BROKER_URL", "STEM_TLS_CA_CERT_PEM", "STEM_TLS_CLIENT_CERT_PEM", "STEM_TLS_CLIENT_KEY_PEM"]);
    expect(container.secrets[1].valueFrom).toMatch(/aws_secretsmanager_secret\.Tls_CaSecret.*:caCert::\$\{aws_secretsmanager_secret_version\.Tls_CaVersion_[0-9A-F]+\.version_id\}$/);
    expect(container).toMatchObject({ user: "10001:10001", readonlyRootFilesystem: true, mountPoints: [{ sourceVolume: "stem-tls", containerPath: "/run/stem-tls", readOnly: false }] });
    expect(td.volume).toEqual([{ name: "stem-tls" }]);
  });

  test("the execution role may read both TLS secrets; the PEMs are write-only (never secret_string)", () => {
    const policies = Object.values(json.resource.aws_iam_role_policy as Record<string, Json>).filter((p) => String(p.role).includes("TlsCensus_Task_ExecutionRole"));
    const tlsRead = policies.find((p) => String(p.policy).includes("ReadStemTlsBundle"))!;
    expect(tlsRead.policy).toContain("Tls_CaSecret");
    expect(tlsRead.policy).toContain("Tls_Secret");
    const versions = Object.entries(json.resource.aws_secretsmanager_secret_version as Record<string, Json>).filter(([k]) => k.startsWith("Tls_"));
    expect(versions).toHaveLength(2);
    for (const [, v] of versions) {
      expect(v.secret_string).toBeUndefined();
      expect(v.secret_string_wo).toMatch(/^\$\{jsonencode\(\{.*var\./);
    }
  });

  test("without tlsBundles the census container has no TLS env, volume or mount", () => {
    const plain = Object.values(json.resource.aws_ecs_task_definition as Record<string, Json>).find((t) => t.family === "plain-census")!;
    expect(plain.volume).toEqual([]);
    expect(plain.container_definitions).not.toContain("STEM_TLS_");
    expect(plain.container_definitions).not.toContain("mountPoints");
  });
});
