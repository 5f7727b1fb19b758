// The offline-state builder on its own (no terraform): placeholders, sensitive
// paths, ephemeral stand-ins and the convergence cap. The real plans are in
// test/transitions/ (`npm run test:transitions`).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { convergeState, replaceEphemeralReads, stateFromPlan, type PlanJson, type ProviderSchemas, type ResourceSchema } from "./offline-state";
import type { TerraformWorkdir } from "./terraform";

const AWS = "registry.terraform.io/hashicorp/aws";

const SCHEMAS: ProviderSchemas = new Map([
  [
    AWS,
    new Map<string, ResourceSchema>([
      [
        "aws_ecs_task_definition",
        {
          version: 1,
          block: {
            attributes: {
              id: { type: "string" },
              arn: { type: "string" },
              execution_role_arn: { type: "string" },
              revision: { type: "number" },
              enable_fault_injection: { type: "bool" },
              requires_compatibilities: { type: ["set", "string"] },
              tags_all: { type: ["map", "string"] },
              family: { type: "string" },
            },
            block_types: { volume: { nesting_mode: "set", block: { attributes: { name: { type: "string" }, configure_at_launch: { type: "bool" } } } } },
          },
        },
      ],
      ["aws_iam_role_policy", { version: 0, block: { attributes: { id: { type: "string" }, policy: { type: "string" }, name: { type: "string" } } } }],
      ["aws_secretsmanager_secret_version", { version: 0, block: { attributes: { id: { type: "string" }, arn: { type: "string" }, secret_string: { type: "string" } } } }],
    ]),
  ],
]);

function plan(changes: unknown[]): PlanJson {
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    resource_changes: changes as PlanJson["resource_changes"],
    configuration: {
      provider_config: { aws: { name: "aws", full_name: AWS, expressions: { region: { constant_value: "eu-west-1" } } } },
      root_module: { module_calls: { app: { module: { resources: [{ mode: "managed", type: "aws_iam_role_policy", name: "Read", provider_config_key: "aws.west" }] } } } },
    },
  };
}

const taskChange = {
  address: "aws_ecs_task_definition.Task",
  mode: "managed",
  type: "aws_ecs_task_definition",
  name: "Task",
  provider_name: AWS,
  change: {
    actions: ["create"],
    before: null,
    after: { family: "stem", requires_compatibilities: ["FARGATE"], volume: [{ name: "data" }] },
    after_unknown: { arn: true, id: true, execution_role_arn: true, revision: true, enable_fault_injection: true, tags_all: true, volume: [{ configure_at_launch: true }] },
    after_sensitive: {},
  },
};

describe("stateFromPlan", () => {
  test("fills each unknown attribute with a placeholder of its schema type; ids and ARNs are stable per generation", () => {
    const state = stateFromPlan(plan([taskChange]), SCHEMAS, { generation: "g1" });
    expect(state).toMatchObject({ version: 4, terraform_version: "1.11.4", serial: 1 });
    const [resource] = state.resources;
    expect(resource).toMatchObject({ mode: "managed", type: "aws_ecs_task_definition", name: "Task", provider: `provider["${AWS}"]` });
    expect(resource.instances[0].schema_version).toBe(1);
    expect(resource.instances[0].attributes).toEqual({
      family: "stem",
      requires_compatibilities: ["FARGATE"],
      arn: "arn:aws:ecs:eu-west-1:000000000000:task_definition/Task.g1",
      id: "arn:aws:ecs:eu-west-1:000000000000:task_definition/Task.g1",
      execution_role_arn: "arn:aws:ecs:eu-west-1:000000000000:task_definition/Task.g1/execution_role_arn",
      revision: 0,
      enable_fault_injection: false,
      tags_all: {},
      volume: [{ name: "data", configure_at_launch: false }],
    });
    const again = stateFromPlan(plan([taskChange]), SCHEMAS, { generation: "g1", previous: state });
    expect(again.resources).toEqual(state.resources);
    expect([again.lineage, again.serial]).toEqual([state.lineage, 2]);
    expect(stateFromPlan(plan([taskChange]), SCHEMAS, { generation: "g2" }).resources[0].instances[0].attributes.arn).toMatch(/Task\.g2$/);
  });

  test("keeps module, index and provider alias; marks sensitive paths; leaves out data sources and deletions", () => {
    const state = stateFromPlan(
      plan([
        {
          address: 'module.app.aws_iam_role_policy.Read["w"]',
          module_address: "module.app",
          mode: "managed",
          type: "aws_iam_role_policy",
          name: "Read",
          index: "w",
          provider_name: AWS,
          change: { actions: ["create"], before: null, after: { name: "read", policy: "{}" }, after_unknown: { id: true }, after_sensitive: { policy: true } },
        },
        {
          address: "aws_secretsmanager_secret_version.Gone",
          mode: "managed",
          type: "aws_secretsmanager_secret_version",
          name: "Gone",
          provider_name: AWS,
          change: { actions: ["delete"], before: {}, after: null },
        },
        { address: "data.aws_x.y", mode: "data", type: "aws_x", name: "y", provider_name: AWS, change: { actions: ["read"], before: null, after: {} } },
      ]),
      SCHEMAS,
      { generation: "g1" },
    );
    expect(state.resources).toEqual([
      {
        module: "module.app",
        mode: "managed",
        type: "aws_iam_role_policy",
        name: "Read",
        provider: `provider["${AWS}"].west`,
        instances: [
          {
            index_key: "w",
            schema_version: 0,
            attributes: { name: "read", policy: "{}", id: "aws_iam_role_policy.app.Read[w].g1" },
            sensitive_attributes: [[{ type: "get_attr", value: "policy" }]],
          },
        ],
      },
    ]);
  });

  test("fails on a resource type the provider schema does not have", () => {
    const unknownType = { ...taskChange, type: "aws_nothing", address: "aws_nothing.Task" };
    expect(() => stateFromPlan(plan([unknownType]), SCHEMAS, { generation: "g1" })).toThrow("no schema for aws_nothing");
  });
});

describe("replaceEphemeralReads", () => {
  const stack = {
    ephemeral: { aws_secretsmanager_secret_version: { Read: { secret_id: "${aws_secretsmanager_secret.S.id}" } } },
    resource: { aws_secretsmanager_secret_version: { Role: { secret_string_wo: "${jsonencode({k = jsondecode(ephemeral.aws_secretsmanager_secret_version.Read.secret_string).secret})}" } } },
    variable: { other: { type: "string" } },
  };

  test("replaces each ephemeral read by an ephemeral, sensitive test variable and drops the block", () => {
    const out = replaceEphemeralReads(stack, (read) => `value-for-${read.name}`);
    expect(out.stackJson.ephemeral).toBeUndefined();
    expect(JSON.stringify(out.stackJson.resource)).toContain("jsondecode(var.ephemeral_Read_secret_string).secret");
    expect((out.stackJson.variable as Record<string, unknown>).ephemeral_Read_secret_string).toMatchObject({ type: "string", ephemeral: true, sensitive: true });
    expect(out.inputs).toEqual({ ephemeral_Read_secret_string: "value-for-Read" });
    expect(out.reads.map((r) => [r.type, r.name, r.attribute, r.config])).toEqual([["aws_secretsmanager_secret_version", "Read", "secret_string", stack.ephemeral.aws_secretsmanager_secret_version.Read]]);
    expect(stack.ephemeral).toBeDefined(); // the input is not modified
  });

  test("fails on a reference to an ephemeral block the stack does not have", () => {
    const broken = { ...stack, ephemeral: {} };
    expect(() => replaceEphemeralReads(broken, () => "x")).toThrow("refers to no ephemeral block");
  });
});

describe("convergeState", () => {
  /** A work directory whose every plan is `next()`; schema from SCHEMAS. */
  function fakeWorkdir(next: () => PlanJson): { workdir: TerraformWorkdir; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-offline-state-"));
    const schema = { provider_schemas: { [AWS]: { resource_schemas: Object.fromEntries(SCHEMAS.get(AWS)!) } } };
    const workdir = {
      dir,
      tooling: { bin: "terraform", pluginDir: dir, version: "Terraform v1.11.4" },
      write: (file: string, content: string) => fs.writeFileSync(path.join(dir, file), content),
      run: async () => ({ exitCode: 0, stdout: JSON.stringify(schema), stderr: "" }),
      plan: async () => ({ exitCode: 0, stdout: "", stderr: "", planJson: JSON.stringify(next()) }),
    };
    return { workdir: workdir as unknown as TerraformWorkdir, dir };
  }
  const noOp = plan([{ ...taskChange, change: { ...taskChange.change, actions: ["no-op"], after_unknown: {} } }]);

  test("rebuilds until the phase plans no changes, and writes the state where the local backend reads it", async () => {
    const plans = [plan([taskChange]), plan([{ ...taskChange, change: { ...taskChange.change, actions: ["delete", "create"] } }]), noOp];
    const { workdir, dir } = fakeWorkdir(() => plans.shift()!);
    try {
      const converged = await convergeState(workdir, { files: { "main.tf.json": "{}" }, env: {} }, { generation: "g1" });
      expect([converged.rebuilds, converged.plans]).toEqual([1, 3]);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8"))).toEqual(converged.state);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("fails loudly after maxRebuilds, naming what still changes and why (names, never values)", async () => {
    const replacing = plan([{ ...taskChange, action_reason: "replace_because_cannot_update", change: { ...taskChange.change, actions: ["delete", "create"], replace_paths: [["family"]] } }]);
    const { workdir, dir } = fakeWorkdir(() => replacing);
    try {
      await expect(convergeState(workdir, { files: {}, env: {} }, { generation: "g1", maxRebuilds: 2 })).rejects.toThrow(
        /did not converge after 2 rebuilds; still changing:\n {2}aws_ecs_task_definition\.Task: delete,create \(replace_because_cannot_update\) replace_paths: family changed: [a-z_, ]+$/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
