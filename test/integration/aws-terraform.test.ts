// Real Terraform on the synthesized AWS fleet: every phase of a rotation on
// both algorithms passes `terraform validate` and `terraform plan`, and no byte
// of the (marker) material reaches the synthesized JSON, the plan output or
// the plan file. The TLS bundle secret stack (test/aws/tls-bundles.test.ts)
// rides along as one more child module of the same root.
import * as fs from "node:fs";
import * as path from "node:path";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Fn, TerraformStack, Testing } from "cdktf";
import { planMaterialInputs } from "../../lib/aws/names";
import { StemSigningKeyring } from "../../lib/aws/signing-keyring";
import { StemTlsBundles } from "../../lib/aws/tls-bundles";
import { planRoleEnv, resolveRoleEnv } from "../../lib/core/keyring/env-plan";
import { ROLES, SIGNING_ALGORITHMS, type SigningLedger } from "../../lib/core/keyring/types";
import { materialFieldBase64 } from "../../lib/core/material/encode";
import type { KeyMaterial } from "../../lib/core/material/types";
import { inspectSigningEnv } from "../../lib/core/stem-env/strict-check";
import { generateTlsBundle } from "../../lib/core/tls/generate";
import type { TlsBundle } from "../../lib/core/tls/types";
import { findLeaks, markerDocument, markerMaterial } from "../aws/markers";
import { rotationPhases, synthFleetJson, type RotationPhase } from "../aws/phases";
import { tlsFullStack } from "../aws/tls-stack";
import { composeModules, describeWithTerraform, SharedProvider, TerraformWorkdir, type RunResult } from "../support/terraform";

const NAME_PREFIX = "stem-fleet/signing"; // examples/aws-fleet/main.ts
const NETWORK = { subnet_ids: '["subnet-0123456789abcdef0"]', security_group_ids: '["sg-0123456789abcdef0"]' };

interface SynthesizedPhase extends RotationPhase {
  readonly json: string;
  readonly materials: KeyMaterial[];
  /** Variable name -> material document, for every input the phase declares. */
  readonly inputs: Record<string, string>;
}

function synthesizePhase(phase: RotationPhase): SynthesizedPhase {
  const plans = planMaterialInputs(phase.ledger, NAME_PREFIX);
  const materials = plans.map((p) => markerMaterial(phase.ledger.algorithm, p.keyId));
  const inputs: Record<string, string> = { ...NETWORK };
  plans.forEach((p, i) => (inputs[p.variableName] = markerDocument(materials[i])));
  return { ...phase, json: synthFleetJson(phase.ledger), materials, inputs };
}

type PlanJson = { resource_changes: { address: string; change: { actions: string[]; after: Record<string, unknown> } }[] };

describeWithTerraform("AWS fleet with real terraform", (tooling) => {
  const phases = SIGNING_ALGORITHMS.flatMap((a) => rotationPhases(a)).map(synthesizePhase);
  const allMaterials = phases.flatMap((p) => p.materials);
  const stagePhase = phases.find((p) => p.name === "ed25519_2_stage")!;

  /** A phase's resource changes: the host phase's are the root's own (no `module.` prefix). */
  const resourcesOf = (plan: PlanJson, phase: SynthesizedPhase) =>
    plan.resource_changes.filter((r) => (phase === stagePhase ? !r.address.startsWith("module.") : r.address.startsWith(`module.${phase.name}.`)));

  /** The TLS bundle secret stack's module name, and its three PEM inputs. */
  const TLS_MODULE = "tls_bundles";
  const tlsJson = JSON.parse(Testing.synth(tlsFullStack().stack)) as Record<string, unknown>;
  let tlsBundle: TlsBundle;
  const tlsInputs = (override: Record<string, string> = {}) => ({
    prod_stem_tls_ca_bundle: tlsBundle.caCertPem,
    prod_stem_tls_client_cert: tlsBundle.clientCertPem,
    prod_stem_tls_client_key: tlsBundle.clientKeyPem,
    ...override,
  });

  let provider: SharedProvider | undefined;
  let fleet: TerraformWorkdir;
  let root: TerraformWorkdir;
  let imports: TerraformWorkdir;
  let runs: {
    init: RunResult;
    validate: RunResult;
    plan: RunResult & { planJson?: string };
    missing: RunResult;
    /** The root's k2 document malformed and the TLS module's client key where its certificate belongs. */
    invalid: RunResult;
    /** `terraform validate` of a service stack that imports the fleet's keyring and TLS bundle (fromNamePrefix). */
    importsValidate: RunResult;
  };

  beforeAll(async () => {
    tlsBundle = await generateTlsBundle({ sans: "redis.internal,localhost", keySize: 2048, days: 30 });
    const tfVars = (inputs: Record<string, string>) => Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`TF_VAR_${k}`, v]));
    const tlsModule = (override: Record<string, string> = {}) => ({ name: TLS_MODULE, stackJson: tlsJson, inputs: tlsInputs(override) });

    // The fleet root: the ed25519 stage phase's synthesized stack as is (what
    // `cdktf deploy` applies) calling the seven other phases and the TLS stack
    // as child modules, so one validate, one plan and one show (each loads
    // the AWS provider schema, ~2 s of CPU) check them all.
    fleet = TerraformWorkdir.create(tooling, "stemguard-aws-fleet-");
    const composed = composeModules(
      [...phases.filter((p) => p !== stagePhase).map((p) => ({ name: p.name, stackJson: JSON.parse(p.json), inputs: p.inputs })), tlsModule()],
      { host: JSON.parse(stagePhase.json) },
    );
    for (const [file, content] of Object.entries(composed.files)) fleet.write(file, content);
    // The plans that must fail run on the stage stack with only the TLS module:
    // a failing plan of the fleet root would still plan every child module.
    root = TerraformWorkdir.create(tooling, "stemguard-aws-root-");
    // A service stack in another root that uses the fleet's keyring and TLS bundle by name. Validate
    // only: its data sources would call AWS during a plan, and this suite runs offline.
    imports = TerraformWorkdir.create(tooling, "stemguard-aws-imports-");
    const service = composeModules([{ name: "service", stackJson: JSON.parse(Testing.synth(importingServiceStack(stagePhase.ledger))), inputs: {} }], { host: JSON.parse(stagePhase.json) });
    for (const [file, content] of Object.entries(service.files)) imports.write(file, content);
    const small = composeModules([tlsModule()], { host: JSON.parse(stagePhase.json) });
    for (const [file, content] of Object.entries(small.files)) root.write(file, content);

    const required = planMaterialInputs(stagePhase.ledger, NAME_PREFIX).find((p) => p.required)!;
    const withoutRequired = Object.fromEntries(Object.entries(stagePhase.inputs).filter(([k]) => k !== required.variableName));
    const failingPlan = (env: Record<string, string>) => root.run(["plan", "-refresh=false", "-input=false", "-no-color"], env);
    // The TLS module's inputs with its client key where the client certificate belongs.
    const wrongFile = tfVars(
      Object.fromEntries(Object.entries(tlsInputs({ prod_stem_tls_client_cert: tlsBundle.clientKeyPem })).map(([k, v]) => [`${TLS_MODULE}__${k}`, v])),
    );

    // One provider process serves every command below, one command at a time
    // (each command would otherwise start it two or three times).
    provider = await SharedProvider.start(tooling).catch((err: Error) => {
      console.warn(`terraform starts the provider itself (slower): no shared provider process (${err.message})`);
      return undefined;
    });
    if (provider) {
      fleet.attach(provider);
      root.attach(provider);
    }
    const init = await fleet.init();
    root.copyInitFrom(fleet); // its modules are a subset of the fleet's
    imports.copyInitFrom(fleet);
    const importsGet = await imports.run(["get", "-no-color"]); // installs the local service module; providers come from the copy
    const validate = await fleet.validate();
    const importsValidate = importsGet.exitCode === 0 ? await imports.validate() : importsGet;
    const plan = await fleet.plan({ ...composed.env, ...tfVars(stagePhase.inputs) });
    const missing = await failingPlan({ ...small.env, ...tfVars(withoutRequired) });
    // Two independent validation rules fail in one plan; each test checks its own message.
    const invalid = await failingPlan({
      ...wrongFile,
      ...tfVars({ ...withoutRequired, [required.variableName]: '{"seed":"MARKER-not-base64","publicKey":"MARKER"}' }),
    });
    runs = { init, validate, plan, missing, invalid, importsValidate };
  }, 180_000);

  afterAll(async () => {
    await provider?.stop();
    // STEMGUARD_KEEP_TF_DIRS=1 keeps the work directories for debugging.
    if (process.env.STEMGUARD_KEEP_TF_DIRS) {
      console.warn(`kept ${fleet?.dir}, ${root?.dir} and ${imports?.dir}`);
      return;
    }
    fleet?.dispose();
    root?.dispose();
    imports?.dispose();
  });

  test("every phase passes terraform validate", () => {
    expect(runs.init.stderr).toBe("");
    expect(runs.validate).toMatchObject({ exitCode: 0 });
    expect(runs.validate.stdout).toContain("The configuration is valid");
  });

  test("a service stack that imports the keyring and TLS bundle (fromNamePrefix) passes terraform validate", () => {
    expect(runs.importsValidate.stderr).toBe("");
    expect(runs.importsValidate).toMatchObject({ exitCode: 0 });
    expect(runs.importsValidate.stdout).toContain("The configuration is valid");
  });

  test("every phase plans with its material inputs", () => {
    expect(runs.plan.stderr).toBe("");
    expect(runs.plan.exitCode).toBe(0);
    const plan = JSON.parse(runs.plan.planJson!) as PlanJson;
    for (const phase of phases) {
      const mine = resourcesOf(plan, phase);
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
    expect(runs.plan.exitCode).toBe(0);
    expect(runs.plan.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    // The root's own resources (no module. prefix) are exactly the stack's, all created.
    const plan = JSON.parse(runs.plan.planJson!) as PlanJson;
    const own = resourcesOf(plan, stagePhase);
    const stack = JSON.parse(stagePhase.json) as { resource: Record<string, Record<string, unknown>> };
    const declared = Object.entries(stack.resource).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    expect(own.map((r) => r.address).sort()).toEqual(declared.sort());
    expect(own.every((r) => r.change.actions.join() === "create")).toBe(true);
  });

  test("fails to plan the phase that creates a key without its material", () => {
    expect(runs.missing.exitCode).not.toBe(0);
    expect(runs.missing.stderr.match(/No value for required variable/g)).toHaveLength(1);
    expect(runs.missing.stderr).toContain('"stem_fleet_signing_key_k2"');
  });

  test("fails to plan with a malformed material document, without echoing it", () => {
    expect(runs.invalid.exitCode).not.toBe(0);
    expect(runs.invalid.stderr).toContain('Stem signing key "k2": the value must be a JSON object');
    expect(runs.invalid.stdout + runs.invalid.stderr).not.toContain("MARKER");
  });

  test("no material in synthesized JSON, plan output, plan file or validate output", () => {
    const texts: Record<string, string> = {
      validate: runs.validate.stdout + runs.validate.stderr,
      "plan output": runs.plan.stdout + runs.plan.stderr,
      "show -json (the plan file)": runs.plan.planJson!,
      "missing-input output": runs.missing.stdout + runs.missing.stderr,
      "invalid-input output": runs.invalid.stdout + runs.invalid.stderr,
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

  describe("StemTlsBundles, as a child module of the same root", () => {
    test("passes terraform validate", () => {
      expect(runs.init.exitCode).toBe(0);
      expect(runs.validate.exitCode).toBe(0);
      expect(runs.validate.stdout).toContain("The configuration is valid");
    });

    test("plans with real PEMs, and neither the plan output nor the plan JSON holds them", () => {
      expect(runs.plan.stderr).toBe("");
      expect(runs.plan.exitCode).toBe(0);
      const plan = JSON.parse(runs.plan.planJson!) as PlanJson;
      const versions = plan.resource_changes.filter((r) => r.address.startsWith(`module.${TLS_MODULE}.aws_secretsmanager_secret_version.`));
      expect(versions.map((v) => v.address.split(".").pop()!.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(["Tls_CaVersion", "Tls_Version"]);
      for (const version of versions) {
        expect(version.change.actions).toEqual(["create"]);
        expect(version.change.after.secret_string_wo_version).toBe(2);
        expect(version.change.after.secret_string_wo ?? null).toBeNull();
      }
      for (const text of [runs.plan.stdout, runs.plan.planJson!]) {
        expect(text).not.toContain("BEGIN CERTIFICATE");
        expect(text).not.toContain("PRIVATE KEY");
        for (const pem of Object.values(tlsInputs())) expect(text).not.toContain(pem.split("\n")[1]);
      }
    });

    test("fails plan when a key is passed where a certificate belongs, without echoing it", () => {
      expect(runs.invalid.exitCode).not.toBe(0);
      expect(runs.invalid.stderr.replace(/\s+/g, " ")).toContain("the value must be the PEM text of the client certificate chain (PEM) (value not shown)");
      expect(runs.invalid.stderr + runs.invalid.stdout).not.toContain(tlsBundle.clientKeyPem.split("\n")[1]);
    });
  });

  test("the leak search finds material when it is there (control)", () => {
    for (const m of allMaterials) expect(findLeaks(`x${markerDocument(m)}x`, [m]).length).toBeGreaterThan(0);
    expect(phases.every((p) => Object.keys(p.inputs).length >= 3)).toBe(true);
  });
});

/** A service stack that binds a task definition to the fleet's keyring and TLS bundle by name, as another team's stack would. */
function importingServiceStack(ledger: SigningLedger): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "service");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const keyring = StemSigningKeyring.fromNamePrefix(stack, "Signing", { ledger, namePrefix: NAME_PREFIX, roles: ["worker"] });
  const tls = StemTlsBundles.fromNamePrefix(stack, "Tls", { namePrefix: "prod/stem/tls", revision: 2 });
  const role = new IamRole(stack, "ExecutionRole", {
    name: "stem-service-execution",
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
  });
  keyring.grantRead(role, "worker");
  tls.grantRead(role);
  new EcsTaskDefinition(stack, "Worker", {
    family: "stem-service-worker",
    executionRoleArn: role.arn,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    containerDefinitions: Fn.jsonencode([tls.bindToContainer(keyring.bindToContainer({ name: "worker", image: "example/stem-worker:1", essential: true }, "worker"))]),
  });
  return stack;
}
