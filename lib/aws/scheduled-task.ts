import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";

/** An ECS cluster by ARN: an `EcsCluster`, a `DataAwsEcsCluster` or a literal. */
export interface IEcsClusterRef {
  readonly arn: string;
}

/** Where a scheduled Fargate task runs. */
export interface FargateNetwork {
  /** Subnets of the task (private subnets with a NAT or VPC endpoints to reach the registry and CloudWatch Logs). */
  readonly subnetIds: readonly string[];
  /** Security groups of the task. */
  readonly securityGroupIds: readonly string[];
  /**
   * Give the task a public IP (only in public subnets without a NAT).
   *
   * @default false
   */
  readonly assignPublicIp?: boolean;
}

export interface ScheduledTaskInputs {
  readonly name: string;
  readonly cluster: IEcsClusterRef;
  readonly network: FargateNetwork;
  readonly scheduleExpression: string;
  readonly scheduleTimeZone: string;
  readonly description: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly logRetentionInDays: number;
  /** One container definition (without logConfiguration: added here). */
  readonly container: Record<string, unknown>;
  /** Extra statements for the execution role (e.g. reading a secret). */
  readonly executionStatements?: readonly Record<string, unknown>[];
  /** Statements for the task role; none means the task gets no role. */
  readonly taskStatements?: readonly Record<string, unknown>[];
  readonly volumes?: readonly string[];
  readonly ephemeralStorageGiB?: number;
}

const assume = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

/**
 * A Fargate task run by EventBridge Scheduler: log group, execution role
 * (logs + `executionStatements` only), optional task role, task definition,
 * the Scheduler's role (RunTask on this family, PassRole on these roles,
 * SendMessage to its dead-letter queue), the dead-letter queue (failed
 * invocations only: a task that starts and fails is not one), and the schedule.
 */
export class ScheduledFargateTask extends Construct {
  public readonly logGroup: CloudwatchLogGroup;
  public readonly executionRole: IamRole;
  public readonly taskRole?: IamRole;
  public readonly taskDefinition: EcsTaskDefinition;
  public readonly schedulerRole: IamRole;
  public readonly deadLetterQueue: SqsQueue;
  public readonly schedule: SchedulerSchedule;

  constructor(scope: Construct, id: string, inputs: ScheduledTaskInputs, field: string) {
    super(scope, id);
    if (inputs.network.subnetIds.length === 0) {
      throw new StemguardError("subnetIds must name at least one subnet", { field: `${field}.subnetIds`, value: [], fix: "pass the private subnets the task runs in" });
    }
    this.logGroup = new CloudwatchLogGroup(this, "Logs", { name: `/stemguard/${inputs.name}`, retentionInDays: inputs.logRetentionInDays });
    this.executionRole = new IamRole(this, "ExecutionRole", { name: `${inputs.name}-execution`, assumeRolePolicy: assume("ecs-tasks.amazonaws.com") });
    new IamRolePolicy(this, "ExecutionPolicy", {
      role: this.executionRole.name,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${this.logGroup.arn}:*`] },
          ...(inputs.executionStatements ?? []),
        ],
      }),
    });
    if (inputs.taskStatements && inputs.taskStatements.length > 0) {
      this.taskRole = new IamRole(this, "TaskRole", { name: `${inputs.name}-task`, assumeRolePolicy: assume("ecs-tasks.amazonaws.com") });
      new IamRolePolicy(this, "TaskPolicy", { role: this.taskRole.name, policy: Fn.jsonencode({ Version: "2012-10-17", Statement: [...inputs.taskStatements] }) });
    }
    this.taskDefinition = new EcsTaskDefinition(this, "TaskDefinition", {
      family: inputs.name,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(inputs.cpu),
      memory: String(inputs.memoryMiB),
      executionRoleArn: this.executionRole.arn,
      ...(this.taskRole ? { taskRoleArn: this.taskRole.arn } : {}),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      ...(inputs.ephemeralStorageGiB ? { ephemeralStorage: { sizeInGib: inputs.ephemeralStorageGiB } } : {}),
      volume: (inputs.volumes ?? []).map((name) => ({ name })),
      // JSON.stringify, not Fn.jsonencode: cdktf does not escape quotes inside string literals of an HCL jsonencode(...) (terraform rejects it).
      containerDefinitions: JSON.stringify([
        {
          ...inputs.container,
          essential: true,
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": this.logGroup.name, "awslogs-region": new DataAwsRegion(this, "Region").name, "awslogs-stream-prefix": inputs.name } },
        },
      ]),
      // The previous revision stays registered, so a rollback can still run it.
      skipDestroy: true,
      lifecycle: { createBeforeDestroy: true },
    });
    this.deadLetterQueue = new SqsQueue(this, "DeadLetters", { name: `${inputs.name}-schedule-dlq`, sqsManagedSseEnabled: true, messageRetentionSeconds: 14 * 86_400 });
    this.schedulerRole = new IamRole(this, "SchedulerRole", { name: `${inputs.name}-scheduler`, assumeRolePolicy: assume("scheduler.amazonaws.com") });
    new IamRolePolicy(this, "SchedulerPolicy", {
      role: this.schedulerRole.name,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          { Sid: "RunTask", Effect: "Allow", Action: ["ecs:RunTask"], Resource: [`${this.taskDefinition.arnWithoutRevision}:*`], Condition: { ArnLike: { "ecs:cluster": inputs.cluster.arn } } },
          { Sid: "PassRoles", Effect: "Allow", Action: ["iam:PassRole"], Resource: [this.executionRole.arn, ...(this.taskRole ? [this.taskRole.arn] : [])] },
          { Sid: "DeadLetters", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [this.deadLetterQueue.arn] },
        ],
      }),
    });
    this.schedule = new SchedulerSchedule(this, "Schedule", {
      name: inputs.name,
      description: inputs.description,
      scheduleExpression: inputs.scheduleExpression,
      scheduleExpressionTimezone: inputs.scheduleTimeZone,
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: inputs.cluster.arn,
        roleArn: this.schedulerRole.arn,
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        ecsParameters: {
          taskDefinitionArn: this.taskDefinition.arn,
          launchType: "FARGATE",
          taskCount: 1,
          networkConfiguration: { subnets: [...inputs.network.subnetIds], securityGroups: [...inputs.network.securityGroupIds], assignPublicIp: inputs.network.assignPublicIp ?? false },
        },
      },
    });
  }
}
