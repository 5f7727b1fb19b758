export * from "./signing-keyring";
export * from "./ecs-container";
export { keySecretName, roleSecretName, materialVariableName, planMaterialInputs, type MaterialInputPlan } from "./names";
export { materialDocumentShape } from "./material-variable";
export * from "./tls-bundles";
