// stemguard's Kubernetes constructs (kubernetes_secret_v1 with data_wo, workload env and
// annotations). Named exports only: this list is the public API of "stemguard/kubernetes"
// (api/kubernetes.api.md; `npm run api` updates it).
export { StemKubernetesSigningKeyring, type StemKubernetesSigningKeyringProps, type MaterialInput } from "./signing-keyring";
export {
  KEYRING_REVISION_ANNOTATION,
  STEM_TIME_ZONE,
  type StemContainerEnvVar,
  type SecretKeyEnvVar,
  type LiteralEnvVar,
  type EnvVarLike,
} from "./workload-env";
export { materialVariableName, type MaterialInputPlan } from "./material-inputs";
export {
  StemKubernetesTlsBundles,
  TLS_REVISION_ANNOTATION,
  type StemKubernetesTlsBundlesProps,
  type TlsBundleKind,
  type TlsSecretVolume,
  type TlsVolumeMount,
  type TlsEnvVar,
  type TlsBundlePaths,
} from "./tls-bundles";
export type { TlsPemFile, TlsPemInput } from "../private/tls-pem-variable";
