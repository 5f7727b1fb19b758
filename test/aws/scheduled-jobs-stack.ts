// The AWS stack the alarm, scan and census tests synthesize: census job, weekly
// scan and alarms in one stack, with the SNS topic (and its EventBridge
// publish policy) the way docs/scans.md shows.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Fn, TerraformStack, Testing } from "cdktf";
import { notifySns, StemAlarms } from "../../lib/aws/alarms";
import { StemCensusJob } from "../../lib/aws/census-job";
import { StemTlsBundles } from "../../lib/aws/tls-bundles";
import { StemVulnerabilityScan } from "../../lib/aws/vulnerability-scan";
import type { SigningLedger } from "../../lib/core/keyring/types";

export const FLEET_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1.4.2@sha256:${"c".repeat(64)}`;
export const CLI_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/stemguard:0.1.0@sha256:${"d".repeat(64)}`;
export const CLUSTER_ARN = "arn:aws:ecs:eu-west-1:123456789012:cluster/stem";

/**
 * `prefix` names everything account-unique (topic, census, scan, alarms), so two copies can share a plan.
 * With `tls`, the census connects over mutual TLS with a StemTlsBundles `<prefix>/stem/tls` (inputs
 * `<prefix>_stem_tls_ca_bundle`, `_client_cert`, `_client_key`) and inspects its certificates.
 */
export function scheduledJobsStack(ledger?: SigningLedger, prefix = "stem", options: { tls?: boolean } = {}) {
  const stack = new TerraformStack(Testing.app(), "stem-ops");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const topic = new SnsTopic(stack, "Alerts", { name: `${prefix}-alerts` });
  new SnsTopicPolicy(stack, "AlertsPolicy", {
    arn: topic.arn,
    policy: Fn.jsonencode({
      Version: "2012-10-17",
      Statement: [{ Sid: "EventBridgeAndCloudWatch", Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "cloudwatch.amazonaws.com"] }, Action: "sns:Publish", Resource: topic.arn }],
    }),
  });
  const network = { cluster: { arn: CLUSTER_ARN }, subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] };
  const tls = options.tls ? new StemTlsBundles(stack, "Tls", { namePrefix: `${prefix}/stem/tls`, revision: 1 }) : undefined;
  const census = new StemCensusJob(stack, "Census", {
    ...network,
    image: CLI_IMAGE,
    queues: ["default", "emails"],
    ...(tls ? { tlsBundles: tls } : { certificateFiles: ["/etc/stem/tls/ca.pem"] }),
    name: `${prefix}-census`,
  });
  const scan = new StemVulnerabilityScan(stack, "Scan", { ...network, images: [FLEET_IMAGE, CLI_IMAGE], notificationTopic: topic, ecrRepositoryArns: ["arn:aws:ecr:eu-west-1:123456789012:repository/orders"], name: `${prefix}-scan` });
  const alarms = new StemAlarms(stack, "Alarms", { actions: notifySns({ page: topic }), census, scan, certificates: tls ? ["ca.crt", "client.crt"] : ["ca.pem"], namePrefix: prefix, ...(ledger ? { ledger } : {}) });
  return { stack, census, scan, alarms, topic, tls };
}
