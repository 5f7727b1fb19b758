// Real Terraform on the synthesized AWS fleet: every phase of a rotation on
// both algorithms passes `terraform validate` and `terraform plan`, and no byte
// of the (marker) material reaches the synthesized JSON, the plan output or
// the plan file.
import * as fs from "node:fs";
import * as path from "node:path";
import { planAwsMaterialInputs } from "../../lib/aws/names";
import { planRoleEnv, resolveRoleEnv } from "../../lib/core/keyring/env-plan";
import { ROLES, SIGNING_ALGORITHMS } from "../../lib/core/keyring/types";
import { materialFieldBase64 } from "../../lib/core/material/encode";
import type { KeyMaterial } from "../../lib/core/material/types";
import { inspectSigningEnv } from "../../lib/core/stem-env/strict-check";
import { findLeaks, markerDocument, markerMaterial } from "../aws/markers";
import { rotationPhases, synthFleetJson, type RotationPhase } from "../aws/phases";
import { composeModules, describeWithTerraform, offlineRootModule, TerraformWorkdir, type RunResult } from "../support/terraform";

const NAME_PREFIX = "stem-fleet/signing"; // examples/aws-fleet/main.ts
const NETWORK = { subnet_ids: '["subnet-0123456789abcdef0"]', security_group_ids: '["sg-0123456789abcdef0"]' };

interface SynthesizedPhase extends RotationPhase {
  readonly json: string;
  readonly materials: KeyMaterial[];
  /** Variable name -> material document, for every input the phase declares. */
  readonly inputs: Record<string, string>;
}

function synthesizePhase(phase: RotationPhase): SynthesizedPhase {
  const plans = planAwsMaterialInputs(phase.ledger, NAME_PREFIX);
  const materials = plans.map((p) => markerMaterial(phase.ledger.algorithm, p.keyId));
  const inputs: Record<string, string> = { ...NETWORK };
  plans.forEach((p, i) => (inputs[p.variableName] = markerDocument(materials[i])));
  return { ...phase, json: synthFleetJson(phase.ledger), materials, inputs };
}

type PlanJson = { resource_changes: { address: string; change: { actions: string[]; after: Record<string, unknown> } }[] };

describeWithTerraform("AWS fleet with real terraform", (tooling) => {
  const phases = SIGNING_ALGORITHMS.flatMap((a) => rotationPhases(a)).map(synthesizePhase);
  const allMaterials = phases.flatMap((p) => p.materials);

  let modules: TerraformWorkdir;
  let moduleRuns: { init: RunResult; validate: RunResult; plan: RunResult & { planJson?: string } };
  let root: TerraformWorkdir;
  const stagePhase = phases.find((p) => p.name === "ed25519_2_stage")!;
  let rootRuns: {
    missing: RunResult;
    malformed: RunResult;
    plan: RunResult & { planJson?: string };
  };

  beforeAll(async () => {
    // All eight phases as modules of one root: one provider start per command.
    modules = TerraformWorkdir.create(tooling, "stemguard-aws-phases-");
    const composed = composeModules(
      phases.map((p) => ({ name: p.name, stackJson: JSON.parse(p.json), inputs: p.inputs })),
      { region: "eu-west-1" },
    );
    for (const [file, content] of Object.entries(composed.files)) modules.write(file, content);

    // One phase as the root module itself: what `cdktf deploy` applies.
    root = TerraformWorkdir.create(tooling, "stemguard-aws-root-");
    root.write("main.tf.json", JSON.stringify(offlineRootModule(JSON.parse(stagePhase.json)), null, 2));
    const tfVars = (inputs: Record<string, string>) => Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`TF_VAR_${k}`, v]));
    const required = planAwsMaterialInputs(stagePhase.ledger, NAME_PREFIX).find((p) => p.required)!;

    const runModules = async () => {
      const init = await modules.init();
      const validate = await modules.validate();
      const plan = await modules.plan(composed.env);
      return { init, validate, plan };
    };
    const runRoot = async () => {
      await root.init(); // no separate validate: plan validates, and the modules run covers validate
      const withoutRequired = Object.fromEntries(Object.entries(stagePhase.inputs).filter(([k]) => k !== required.variableName));
      const missing = await root.run(["plan", "-refresh=false", "-input=false", "-no-color"], tfVars(withoutRequired));
      const malformed = await root.run(
        ["plan", "-refresh=false", "-input=false", "-no-color"],
        tfVars({ ...withoutRequired, [required.variableName]: '{"seed":"MARKER-not-base64","publicKey":"MARKER"}' }),
      );
      const plan = await root.plan(tfVars(stagePhase.inputs));
      return { missing, malformed, plan };
    };
    [moduleRuns, rootRuns] = await Promise.all([runModules(), runRoot()]);
  }, 180_000);

  afterAll(() => {
    // STEMGUARD_KEEP_TF_DIRS=1 keeps the work directories for debugging.
    if (process.env.STEMGUARD_KEEP_TF_DIRS) {
      console.warn(`kept ${modules?.dir} and ${root?.dir}`);
      return;
    }
    modules?.dispose();
    root?.dispose();
  });

  test("every phase passes terraform validate", () => {
    expect(moduleRuns.init.stderr).toBe("");
    expect(moduleRuns.validate).toMatchObject({ exitCode: 0 });
    expect(moduleRuns.validate.stdout).toContain("The configuration is valid");
  });

  test("every phase plans with its material inputs", () => {
    expect(moduleRuns.plan.stderr).toBe("");
    expect(moduleRuns.plan.exitCode).toBe(0);
    const plan = JSON.parse(moduleRuns.plan.planJson!) as PlanJson;
    for (const phase of phases) {
      const mine = plan.resource_changes.filter((r) => r.address.startsWith(`module.${phase.name}.`));
      expect(mine.length).toBeGreaterThan(10);
      const keySecrets = mine
        .filter((r) => r.address.includes("aws_secretsmanager_secret.Signing_Key-"))
        .map((r) => r.change.after.name)
        .sort();
      const live = phase.ledger.keys.filter((k) => k.state !== "retired").map((k) => `${NAME_PREFIX}/keys/${k.id}`);
      expect(keySecrets).toEqual(live);
      // Write-only arguments are never in the plan.
      for (const version of mine.filter((r) => r.address.includes("aws_secretsmanager_secret_version."))) {
        expect(version.change.after.secret_string_wo ?? null).toBeNull();
        expect(version.change.after.secret_string ?? null).toBeNull();
      }
      const roleVersions = mine
        .filter((r) => /aws_secretsmanager_secret_version\.Signing_Role-/.test(r.address))
        .map((r) => r.change.after.secret_string_wo_version);
      expect(roleVersions).toEqual([phase.ledger.phase, phase.ledger.phase, phase.ledger.phase]);
    }
  });

  test("the synthesized root module plans as is", () => {
    expect(rootRuns.plan.exitCode).toBe(0);
    expect(rootRuns.plan.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
  });

  test("fails to plan the phase that creates a key without its material", () => {
    expect(rootRuns.missing.exitCode).not.toBe(0);
    expect(rootRuns.missing.stderr).toContain("No value for required variable");
    expect(rootRuns.missing.stderr).toContain("stem_fleet_signing_key_k2");
  });

  test("fails to plan with a malformed material document, without echoing it", () => {
    expect(rootRuns.malformed.exitCode).not.toBe(0);
    expect(rootRuns.malformed.stderr).toContain('Stem signing key "k2": the value must be a JSON object');
    expect(rootRuns.malformed.stdout + rootRuns.malformed.stderr).not.toContain("MARKER");
  });

  test("no material in synthesized JSON, plan output, plan file or validate output", () => {
    const texts: Record<string, string> = {
      "modules validate": moduleRuns.validate.stdout + moduleRuns.validate.stderr,
      "modules plan output": moduleRuns.plan.stdout + moduleRuns.plan.stderr,
      "modules show -json": moduleRuns.plan.planJson!,
      "root plan output": rootRuns.plan.stdout + rootRuns.plan.stderr,
      "root show -json": rootRuns.plan.planJson!,
      "root missing-input output": rootRuns.missing.stdout + rootRuns.missing.stderr,
    };
    for (const phase of phases) texts[`${phase.name} cdk.tf.json`] = phase.json;
    const snapshots = path.join(__dirname, "..", "aws", "__snapshots__");
    for (const file of fs.existsSync(snapshots) ? fs.readdirSync(snapshots) : []) texts[`snapshot ${file}`] = fs.readFileSync(path.join(snapshots, file), "utf8");
    const leaks = Object.entries(texts).flatMap(([where, text]) => findLeaks(text, allMaterials).map((l) => `${l} in ${where}`));
    expect(leaks).toEqual([]);
  });

  test("the role env Terraform composes from the key secrets is what stemguard renders, and Stem loads it", async () => {
    // Evaluate each role secret's secret_string_wo expression with real
    // terraform, with the ephemeral reads replaced by the key documents.
    const evaluate = TerraformWorkdir.create(tooling, "stemguard-aws-eval-");
    try {
      const variables: Record<string, unknown> = {};
      const outputs: Record<string, unknown> = {};
      const env: Record<string, string> = {};
      for (const phase of phases) {
        const json = JSON.parse(phase.json);
        const reads = Object.keys(json.ephemeral.aws_secretsmanager_secret_version as object);
        for (const read of reads) {
          const keyId = /^Signing_Key-(.+)_Read_[0-9A-F]{8}$/.exec(read)![1];
          variables[`${phase.name}__${read}`] = { type: "string" };
          env[`TF_VAR_${phase.name}__${read}`] = markerDocument(phase.materials.find((m) => m.id === keyId)!);
        }
        for (const role of ROLES) {
          const [, version] = Object.entries(json.resource.aws_secretsmanager_secret_version as Record<string, { secret_string_wo: string }>).find(([n]) =>
            n.startsWith(`Signing_Role-${role}_Version_`),
          )!;
          outputs[`${phase.name}__${role}`] = {
            value: version.secret_string_wo.replace(/ephemeral\.aws_secretsmanager_secret_version\.([A-Za-z0-9_-]+)\.secret_string/g, `var.${phase.name}__$1`),
          };
        }
      }
      evaluate.write("main.tf.json", JSON.stringify({ variable: variables, output: outputs }));
      const apply = await evaluate.run(["apply", "-auto-approve", "-input=false", "-no-color"], env);
      expect(apply.stderr).toBe("");
      const values = JSON.parse((await evaluate.run(["output", "-json"])).stdout) as Record<string, { value: string }>;
      for (const phase of phases) {
        for (const role of ROLES) {
          const composed = JSON.parse(values[`${phase.name}__${role}`].value) as Record<string, string>;
          const rendered = resolveRoleEnv(planRoleEnv(phase.ledger, role), (ref) =>
            materialFieldBase64(phase.materials.find((m) => m.id === ref.keyId)!, ref.field),
          );
          expect({ where: `${phase.name} ${role}`, env: composed }).toEqual({ where: `${phase.name} ${role}`, env: rendered });
          const report = inspectSigningEnv(composed, { role });
          expect({ where: `${phase.name} ${role}`, stem: report.stem.ok, errors: report.findings.filter((f) => f.severity === "error") }).toEqual({
            where: `${phase.name} ${role}`,
            stem: true,
            errors: [],
          });
        }
      }
    } finally {
      evaluate.dispose();
    }
  });

  test("the leak search finds material when it is there (control)", () => {
    for (const m of allMaterials) expect(findLeaks(`x${markerDocument(m)}x`, [m]).length).toBeGreaterThan(0);
    expect(phases.every((p) => Object.keys(p.inputs).length >= 3)).toBe(true);
  });
});
