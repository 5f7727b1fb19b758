// Real `terraform validate` and `plan` (offline, the AWS provider mirror) of
// the AWS stack with the weekly scan, the census job and the alarms: the
// rotation phase with a retiring key as the root, the steady phase as a child
// module, so one validate and one plan check both. The broker URL is given as
// an ephemeral input and must not reach the plan output or the plan file.
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import { generateTlsBundle } from "../../lib/core/tls/generate";
import { scheduledJobsStack } from "../aws/scheduled-jobs-stack";
import { composeModules, describeWithTerraform, TerraformWorkdir, type RunResult } from "../support/terraform";

type PlanJson = { resource_changes: { address: string; type: string; change: { actions: string[]; after: Record<string, unknown> } }[] };

const URL = "rediss://stemguard-census:MARKER-census-password-0123456789@redis.internal:6380/0";

describeWithTerraform("AWS scan, census job and alarms with real terraform", (tooling) => {
  let work: TerraformWorkdir;
  let runs: { init: RunResult; validate: RunResult; plan: RunResult & { planJson?: string } };
  let pems: string[] = [];
  beforeAll(async () => {
    const activated = applyStep(applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2"), "activate", "k2");
    const host = JSON.parse(Testing.synth(scheduledJobsStack(activated).stack)) as Record<string, unknown>;
    // The steady phase with names of its own (AWS names are unique per account, not per module),
    // its census over mutual TLS (StemTlsBundles: real PEMs as the bundle's ephemeral inputs).
    const child = JSON.parse(Testing.synth(scheduledJobsStack(undefined, "steady", { tls: true }).stack)) as Record<string, unknown>;
    const bundle = await generateTlsBundle({ sans: "redis.internal", keySize: 2048 });
    pems = [bundle.caCertPem, bundle.clientCertPem, bundle.clientKeyPem];
    const tlsInputs = { steady_stem_tls_ca_bundle: bundle.caCertPem, steady_stem_tls_client_cert: bundle.clientCertPem, steady_stem_tls_client_key: bundle.clientKeyPem };
    const composed = composeModules([{ name: "steady", stackJson: child, inputs: { steady_census_broker_url: URL, ...tlsInputs } }], { host });
    work = TerraformWorkdir.create(tooling, "stemguard-jobs-");
    for (const [file, content] of Object.entries(composed.files)) work.write(file, content);
    const init = await work.init();
    const validate = await work.validate();
    const plan = await work.plan({ ...composed.env, TF_VAR_stem_census_broker_url: URL });
    runs = { init, validate, plan };
  }, 240_000);
  afterAll(() => (process.env.STEMGUARD_KEEP_TF_DIRS ? console.warn(`kept ${work.dir}`) : work?.dispose()));

  test("terraform validate", () => {
    expect(runs.init.exitCode).toBe(0);
    expect(runs.validate.stderr).toBe("");
    expect(runs.validate.stdout).toContain("The configuration is valid");
  });

  test("terraform plan: schedules, tasks, roles, queues, rule, alarms; the broker URL nowhere", () => {
    expect(runs.plan.stderr).toBe("");
    expect(runs.plan.exitCode).toBe(0);
    const plan = JSON.parse(runs.plan.planJson!) as PlanJson;
    const own = plan.resource_changes.filter((r) => !r.address.startsWith("module."));
    const count = (type: string) => own.filter((r) => r.type === type).length;
    expect(count("aws_scheduler_schedule")).toBe(2);
    expect(count("aws_ecs_task_definition")).toBe(2);
    expect(count("aws_sqs_queue")).toBe(2);
    expect(count("aws_cloudwatch_event_rule")).toBe(1);
    expect(count("aws_cloudwatch_metric_alarm")).toBe(17);
    expect(plan.resource_changes.filter((r) => r.address.startsWith("module.steady.") && r.type === "aws_cloudwatch_metric_alarm")).toHaveLength(17); // two certificates (the TLS bundle's ca.crt, client.crt)
    const schedule = own.find((r) => r.type === "aws_scheduler_schedule" && r.change.after.name === "stem-scan")!;
    expect(schedule.change.after).toMatchObject({ schedule_expression: "cron(0 6 ? * MON *)", schedule_expression_timezone: "UTC" });
    expect(runs.plan.stdout).not.toContain("MARKER");
    expect(fs.readFileSync(path.join(work.dir, "plan.bin")).includes("MARKER")).toBe(false);
    expect(runs.plan.planJson).not.toContain("MARKER");
  });

  test("terraform plan: the steady census over mutual TLS mounts its task volume, reads the bundle's secrets by version, and no PEM is in the plan", () => {
    const plan = JSON.parse(runs.plan.planJson!) as PlanJson;
    const td = plan.resource_changes.find((r) => r.address.startsWith("module.steady.") && r.type === "aws_ecs_task_definition" && r.change.after.family === "steady-census")!;
    expect(td.change.after.volume).toEqual([expect.objectContaining({ name: "stem-tls" })]);
    const grants = plan.resource_changes.filter((r) => r.address.startsWith("module.steady.") && r.type === "aws_iam_role_policy" && String(r.change.after.name).startsWith("stem-tls-read-"));
    expect(grants).toHaveLength(1);
    expect(plan.resource_changes.filter((r) => r.address.startsWith("module.steady.") && r.type === "aws_secretsmanager_secret_version" && r.address.includes("Tls"))).toHaveLength(2);
    const planFile = fs.readFileSync(path.join(work.dir, "plan.bin"));
    for (const pem of pems) {
      const line = pem.split("\n")[1];
      expect(runs.plan.stdout).not.toContain(line);
      expect(runs.plan.planJson).not.toContain(line);
      expect(planFile.includes(line)).toBe(false);
    }
  });
});
