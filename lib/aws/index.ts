// stemguard's AWS constructs (Secrets Manager, IAM, ECS). Named exports only: this list
// is the public API of "stemguard/aws" (api/aws.api.md; `npm run api` updates it).
export {
  StemSigningKeyring,
  type StemSigningKeyringProps,
  type AwsMaterialInput,
  type IKmsKeyRef,
  type IRoleRef,
} from "./signing-keyring";
export {
  KEYRING_REVISION_ENV,
  type StemContainerBinding,
  type EcsContainerDefinition,
  type BoundContainerDefinition,
  type EcsKeyValuePair,
  type EcsSecretRef,
} from "./ecs-container";
export {
  StemTlsBundlesSecret,
  TLS_REVISION_ENV,
  STEM_TLS_ENTRYPOINT_SCRIPT,
  type StemTlsBundlesSecretProps,
  type StemTlsContainerBinding,
} from "./tls-bundles";
export type { TlsPemFile, TlsPemInput } from "../private/tls-pem-variable";
export { keySecretName, roleSecretName, materialVariableName, type AwsMaterialInputPlan } from "./names";
