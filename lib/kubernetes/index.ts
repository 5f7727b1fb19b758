// stemguard's Kubernetes constructs (kubernetes_secret_v1 with data_wo, workload env and
// annotations). Named exports only: this list is the public API of "stemguard/kubernetes"
// (api/kubernetes.api.md; `npm run api` updates it). The same class and method names
// exist in "stemguard/aws".
export {
  StemSigningKeyring,
  type StemSigningKeyringProps,
  type SigningKeyringImportProps,
  type ISigningKeyring,
  type MaterialInput,
} from "./signing-keyring";
export {
  KEYRING_REVISION_ANNOTATION,
  REDIS_CLIENT_REVISION_ANNOTATION,
  STEM_TIME_ZONE,
  type StemContainerEnvVar,
  type SecretKeyEnvVar,
  type LiteralEnvVar,
  type EnvVarLike,
} from "./workload-env";
export { materialVariableName, planMaterialInputs, type MaterialInputPlan } from "./material-inputs";
export {
  StemTlsBundles,
  TLS_REVISION_ANNOTATION,
  type StemTlsBundlesProps,
  type TlsBundlesImportProps,
  type ITlsBundles,
  type TlsBundleKind,
  type TlsSecretVolume,
  type TlsVolumeMount,
  type TlsEnvVar,
  type TlsBundlePaths,
} from "./tls-bundles";
export type { TlsPemFile, TlsPemInput } from "../private/tls-pem-variable";
export {
  StemRedis,
  DEFAULT_REDIS_IMAGE,
  REDIS_CONFIG_REVISION_ANNOTATION,
  type StemRedisProps,
  type StemRedisImportProps,
  type StemRedisPeer,
  type StemRedisStorage,
  type StemRedisResources,
  type IStemRedis,
  type RedisEnvVar,
  type RedisPasswordInput,
} from "./redis";
export type { RedisCensusUserProps } from "./redis-census-user";
export { StemAlarms, type StemAlarmsProps, type StemAlarmThresholds, type IStemAlarms } from "./alarms";
export { StemVulnerabilityScan, type StemVulnerabilityScanProps, type IStemVulnerabilityScan } from "./vulnerability-scan";
export { StemCensusJob, type StemCensusJobProps, type IStemCensusJob } from "./census-job";
export {
  StemSecurity,
  type StemSecurityProps,
  type IStemSecurity,
  type StemSecurityWorkload,
  type StemSecurityKeyringProps,
  type StemSecurityTlsProps,
  type StemSecurityRedisProps,
  type StemSecurityCensusProps,
  type StemSecurityScanProps,
  type StemSecurityAlarmsProps,
  type StemSecurityContainer,
  type StemSecurityVolumeMount,
  type StemPodBinding,
  type StemSecurityLedgerFiles,
  type StemSecuritySummary,
  type StemSecurityInput,
  type StemSecurityPart,
} from "./security";
