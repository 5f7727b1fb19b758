import { CENSUS_BROKER_ENV } from "../core/scans/census-command";
import { STEM_TLS_ENTRYPOINT_SCRIPT } from "./tls-bundles";

/**
 * The census container's ECS `entryPoint` (its `command` is the census flags).
 * A shell passes the broker URL from the env: ECS has no `$(VAR)` expansion in
 * commands, and the URL must never appear in the task definition. With TLS,
 * StemTlsBundles' entrypoint convention runs first, unchanged
 * (`STEM_TLS_ENTRYPOINT_SCRIPT`: it writes the PEMs ECS injected as env to the
 * `STEM_TLS_*` files, drops them from the env, and execs the rest).
 * scripts/docker-install-check.js runs both forms in the image's layout.
 */
export function censusEntryPoint(tls: boolean): string[] {
  const census = ["/bin/sh", "-c", `exec stemguard census --broker "$${CENSUS_BROKER_ENV}" --format emf "$@"`, "stemguard-census"];
  return tls ? ["/bin/sh", "-c", STEM_TLS_ENTRYPOINT_SCRIPT, "stem-tls-entrypoint", ...census] : census;
}
