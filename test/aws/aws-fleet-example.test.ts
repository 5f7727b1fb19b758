import "../support/cdktf-jest";
import * as fs from "node:fs";
import * as path from "node:path";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { TerraformStack, Testing } from "cdktf";
import { buildAwsFleetApp } from "../../lib/demo/aws-fleet";
import { parseLedger, serializeLedger } from "../../lib/core/keyring/ledger-file";

const EXAMPLE_DIR = path.join(__dirname, "..", "..", "examples", "aws-fleet");

/** The stack's cdk.tf.json as `app.synth()` writes it (with the backend block). */
function fullSynthJson(stack: TerraformStack): { terraform: { backend: unknown } } {
  const outdir = Testing.fullSynth(stack);
  try {
    return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8"));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe("examples/aws-fleet", () => {
  test("synthesizes with validations on", () => {
    const { stack } = buildAwsFleetApp({ outdir: "unused", services: 3 });
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(EcsService, { name: "stem-fleet-worker-2", launch_type: "FARGATE" });
    expect(synth).toHaveResourceWithProperties(EcsService, { name: "stem-fleet-beat", desired_count: 1 });
    expect(synth).toHaveResourceWithProperties(IamRolePolicy, { name: "stem-fleet-signing-worker-read" });
    const json = JSON.parse(synth);
    expect(Object.keys(json.resource.aws_ecs_task_definition)).toHaveLength(5);
    for (const task of Object.values(json.resource.aws_ecs_task_definition) as { container_definitions: string }[]) {
      // Secrets pinned to the role secret version: the dependency is implicit in the reference.
      expect(task.container_definitions).toMatch(/::\$\{aws_secretsmanager_secret_version\.Signing_Role-(producer|worker|beat)_Version_[0-9A-F]{8}\.version_id\}"/);
      expect(task.container_definitions).toContain('{"name":"TZ","value":"UTC"}');
    }
    // A step's new revision is registered before the old one leaves the state, which keeps it registered for rollback.
    for (const task of Object.values(json.resource.aws_ecs_task_definition) as Record<string, unknown>[]) {
      expect(task).toMatchObject({ skip_destroy: true, lifecycle: { create_before_destroy: true } });
    }
    expect(synth).toHaveResource(EcsTaskDefinition);
  });

  test("uses a local backend by default and an encrypted, locked S3 backend on request", () => {
    const local = buildAwsFleetApp({ outdir: "unused" });
    expect(fullSynthJson(local.stack).terraform.backend).toEqual({ local: { path: "terraform.stem-fleet.tfstate" } });
    const s3 = buildAwsFleetApp({ outdir: "unused", s3Backend: { bucket: "tf-state", key: "stem/fleet.tfstate", kmsKeyId: "alias/tf" } });
    expect(fullSynthJson(s3.stack).terraform.backend).toEqual({
      s3: { bucket: "tf-state", key: "stem/fleet.tfstate", region: "eu-west-1", encrypt: true, kms_key_id: "alias/tf", use_lockfile: true },
    });
  });

  test("ships its ledger in canonical form (as 'stemguard rotate' writes it)", () => {
    const file = path.join(EXAMPLE_DIR, "stemguard.rotation.json");
    const text = fs.readFileSync(file, "utf8");
    expect(serializeLedger(parseLedger(JSON.parse(text), file))).toBe(text);
  });

  test("fails on a service count below 1", () => {
    expect(() => buildAwsFleetApp({ outdir: "unused", services: 0 })).toThrow(/services must be a whole number >= 1, got 0/);
  });
});
