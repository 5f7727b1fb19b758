// The example fleets `stemguard demo` synthesizes, as "stemguard/demo": the
// repository's example apps and a user's own experiments build on them. They
// load cdktf and the providers, so they live apart from the core entry point.
export {
  addAwsFleetStack,
  AWS_FLEET_STACK_ID,
  awsFleetExampleLedger,
  buildAwsFleetApp,
  type AwsFleetApp,
  type AwsFleetOptions,
  type AwsFleetS3Backend,
} from "./aws-fleet";
export {
  buildKubernetesFleetApp,
  KUBERNETES_FLEET_STACK_ID,
  KubernetesFleetStack,
  kubernetesFleetExampleLedger,
  type KubernetesFleetOptions,
} from "./kubernetes-fleet";
