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
export {
  buildExampleFleetApp,
  exampleFleetWorkloads,
  summarizeExampleFleet,
  type ExampleFleetApp,
  type ExampleFleetEnvironment,
  type ExampleFleetEnvironmentStacks,
  type ExampleFleetOptions,
} from "./example-fleet";
export { EXAMPLE_FLEET_ENVIRONMENTS, exampleFleetLedgers, exampleRotationAt, writeFleetLedgers, type ExampleFleetLedgers } from "./example-fleet-ledgers";
export {
  buildFleetPhaseReport,
  comparePosition,
  formatFleetPhaseReport,
  type FleetEnvironmentInput,
  type FleetLedgerReport,
  type FleetLedgerRow,
  type FleetPhaseReport,
  type FleetPosition,
  type FleetStackReport,
} from "./fleet-phase-report";
