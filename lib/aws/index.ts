// stemguard's AWS constructs (Secrets Manager, IAM, ECS). Named exports only: this list
// is the public API of "stemguard/aws" (api/aws.api.md; `npm run api` updates it).
// The same class and method names exist in "stemguard/kubernetes".
export {
  StemSigningKeyring,
  type StemSigningKeyringProps,
  type SigningKeyringImportProps,
  type ISigningKeyring,
  type MaterialInput,
  type IKmsKeyRef,
  type IRoleRef,
} from "./signing-keyring";
export {
  KEYRING_REVISION_ENV,
  REDIS_CLIENT_REVISION_ENV,
  type StemContainerBinding,
  type EcsContainerDefinition,
  type BoundContainerDefinition,
  type EcsKeyValuePair,
  type EcsSecretRef,
} from "./ecs-container";
export {
  StemTlsBundles,
  TLS_REVISION_ENV,
  STEM_TLS_ENTRYPOINT_SCRIPT,
  type StemTlsBundlesProps,
  type TlsBundlesImportProps,
  type ITlsBundles,
  type TlsBundlePaths,
  type StemTlsContainerBinding,
} from "./tls-bundles";
export type { TlsPemFile, TlsPemInput } from "../private/tls-pem-variable";
export { keySecretName, roleSecretName, materialVariableName, planMaterialInputs, type MaterialInputPlan } from "./names";
export {
  StemRedis,
  CENSUS_ACCESS_STRING,
  type StemRedisProps,
  type RedisCensusUserProps,
  type StemRedisImportProps,
  type IStemRedis,
  type ISecurityGroupRef,
  type RedisEnvVar,
  type RedisPasswordInput,
} from "./redis";
export { StemAlarms, notifySns, type StemAlarmsProps, type StemAlarmThresholds, type IStemAlarms, type IAlarmActionStrategy, type AlarmActions } from "./alarms";
export { StemVulnerabilityScan, type StemVulnerabilityScanProps, type IStemVulnerabilityScan, type ITopicRef } from "./vulnerability-scan";
export { StemCensusJob, type StemCensusJobProps, type IStemCensusJob } from "./census-job";
export type { IEcsClusterRef, FargateNetwork } from "./scheduled-task";
export {
  StemSecurity,
  type StemSecurityProps,
  type IStemSecurity,
  type StemSecurityWorkload,
  type StemSecurityKeyringProps,
  type StemSecurityCensusProps,
  type StemSecurityScanProps,
  type StemSecurityAlarmsProps,
  type StemSecurityLedgerFiles,
  type StemSecuritySummary,
  type StemSecurityInput,
  type StemSecurityPart,
} from "./security";
