// js-yaml is in node_modules through eslint (not a declared dependency of stemguard); the one function the
// collector-config test uses to read the shipped YAML independently of stemguard's own renderer.
declare module "js-yaml" {
  export function load(text: string): unknown;
}
