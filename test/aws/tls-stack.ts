// Stacks with a StemTlsBundles, shared by the unit tests (test/aws/tls-bundles.test.ts)
// and the real-terraform run (test/integration/aws-terraform.test.ts).
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Fn, TerraformStack, Testing } from "cdktf";
import { StemTlsBundles, type StemTlsBundlesProps } from "../../lib/aws/tls-bundles";

/** A stack with a provider and one bundle secret "Tls" (secret prod/stem/tls-client, revision 2). */
export function tlsSecretStack(props: Partial<StemTlsBundlesProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const tls = new StemTlsBundles(stack, "Tls", { namePrefix: "prod/stem/tls", revision: 2, ...props });
  return { stack, tls };
}

/** A stack with an execution role and a task definition wired the documented way. */
export function tlsFullStack(props: Partial<StemTlsBundlesProps> = {}) {
  const { stack, tls } = tlsSecretStack(props);
  const role = new IamRole(stack, "ExecutionRole", {
    name: "stem-worker-execution",
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
  });
  tls.grantRead(role);
  const binding = tls.containerBinding();
  new EcsTaskDefinition(stack, "Worker", {
    family: "stem-worker",
    executionRoleArn: role.arn,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    containerDefinitions: Fn.jsonencode([
      {
        name: "worker",
        image: "example/stem-worker:1",
        entryPoint: ["/usr/local/bin/stem-tls-entrypoint"],
        command: ["stem", "worker"],
        environment: [{ name: "STEM_BROKER_URL", value: "rediss://redis.internal:6379/0" }, ...binding.environment],
        secrets: binding.secrets,
      },
    ]),
  });
  return { stack, tls, role };
}
