// A Stem deployment's whole security on AWS from one StemSecurity (docs/security.md, whose
// snippets are the DOCS_BLOCKs below: test/aws/security-docs.test.ts keeps them identical).
// The ledgers (stemguard.rotation.json, stemguard.redis.json) are read from `ledgerDir`.
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { S3Backend, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { StemSecurity, type StemSecurityWorkload } from "stemguard/aws";

const APP_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1.4.2@sha256:${"c".repeat(64)}`;
const STEMGUARD_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/stemguard:0.1.0@sha256:${"d".repeat(64)}`;

export class AwsSecurityExample extends TerraformStack {
  public readonly security: StemSecurity;

  constructor(scope: Construct, id: string, ledgerDir: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "eu-west-1" });
    // ElastiCache passwords are in state: keep it encrypted (docs/aws.md, "State").
    new S3Backend(this, { bucket: "example-stem-state", key: "orders.tfstate", region: "eu-west-1", encrypt: true });
    const vpcId = new TerraformVariable(this, "vpc_id", { type: "string" }).stringValue;
    const subnetIds = new TerraformVariable(this, "subnet_ids", { type: "list(string)" }).listValue;
    const tasks = new SecurityGroup(this, "Tasks", { name: "orders-tasks", vpcId });
    const cluster = new EcsCluster(this, "Cluster", { name: "orders" });
    const alerts = new SnsTopic(this, "Alerts", { name: "orders-alerts" });

    // DOCS_BLOCK_START:security
    const workloads: StemSecurityWorkload[] = [
      { name: "api", role: "producer", image: APP_IMAGE },
      { name: "dashboard", role: "producer", image: APP_IMAGE }, // the dashboard signs like a producer
      { name: "emails", role: "worker", image: APP_IMAGE, queues: ["emails"] },
      { name: "reports", role: "worker", image: APP_IMAGE, queues: ["reports"] },
      { name: "beat", role: "beat", image: APP_IMAGE },
    ];
    const security = new StemSecurity(this, "Security", {
      workloads,
      namePrefix: "orders",
      ledgerDir, // stemguard.rotation.json, stemguard.redis.json
      cluster, // census and scan tasks
      network: { subnetIds, securityGroupIds: [tasks.id] },
      notifications: { page: alerts },
      redis: { vpcId, subnetIds, allowFrom: [tasks] },
      census: { image: STEMGUARD_IMAGE },
    });
    // DOCS_BLOCK_END:security
    this.security = security;

    // DOCS_BLOCK_START:bind
    for (const w of workloads) {
      const executionRole = new IamRole(this, `${w.name}-execution`, {
        name: `orders-${w.name}-execution`,
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      });
      new IamRolePolicyAttachment(this, `${w.name}-execution-managed`, { role: executionRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" });
      security.grantRead(executionRole, w.role); // ECS reads the role secret at task start
      const container = security.bind({ name: w.name, image: w.image, command: ["orders", w.name] }, w.role);
      const task = new EcsTaskDefinition(this, `${w.name}-task`, {
        family: `orders-${w.name}`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        executionRoleArn: executionRole.arn,
        containerDefinitions: JSON.stringify([container]),
        skipDestroy: true, // the previous revision stays registered for a rollback
        lifecycle: { createBeforeDestroy: true },
      });
      new EcsService(this, `${w.name}-service`, {
        name: `orders-${w.name}`,
        cluster: cluster.arn,
        taskDefinition: task.arn,
        desiredCount: w.role === "beat" ? 1 : 2,
        launchType: "FARGATE",
        networkConfiguration: { subnets: subnetIds, securityGroups: [tasks.id] },
      });
    }
    // DOCS_BLOCK_END:bind
  }
}
