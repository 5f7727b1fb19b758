export * from "./signing-keyring";
export * from "./ecs-container";
export { keySecretName, roleSecretName, materialVariableName, planAwsMaterialInputs, type AwsMaterialInputPlan } from "./names";
export { materialDocumentShape } from "./material-variable";
export * from "./tls-bundles";
