import type { ConfigIssue } from "../health/issues";
import type { RedisUrl } from "../health/redis-url";
import { planHealthChecks } from "../health/run-health";
import type { StemTlsConfig } from "../health/tls-env";
import type { TlsClientMaterial } from "../health/tls-files";
import type { EnvMap } from "../stem-env/signing-config";
import { runCensus, type CensusOptions } from "./census";
import { connectCensusRedis } from "./ioredis-reader";
import type { CensusReport } from "./types";

/** Where the census connects: the broker URL and `STEM_TLS_*`, resolved exactly as `stemguard health` resolves them. */
export interface CensusTarget {
  readonly url: RedisUrl;
  readonly tls: StemTlsConfig;
  /** Holds the client key: never print it. */
  readonly material: TlsClientMaterial;
  /** Stricter-than-Stem findings about the URL and TLS settings (warnings). */
  readonly issues: readonly ConfigIssue[];
}

/** Input of {@link planCensusTarget}. */
export interface CensusTargetRequest {
  readonly env: EnvMap;
  /** `--broker`: overrides STEM_BROKER_URL when non-empty. */
  readonly broker?: string;
  /** @default false */
  readonly allowInsecure?: boolean;
  /** @default process.cwd() */
  readonly cwd?: string;
}

/**
 * The broker URL and TLS settings of `stemguard health` (planHealthChecks: the
 * same parsing, the same `STEM_TLS_*` files, the same errors), broker only.
 * The URL may name an ACL user (`rediss://stemguard-census:<password>@host`):
 * unlike Stem, the census sends it, so that finding is dropped.
 *
 * @throws StemConfigError when no broker URL is given; StemguardError for any other configuration problem
 */
export function planCensusTarget(request: CensusTargetRequest): CensusTarget {
  const plan = planHealthChecks({ env: request.env, broker: request.broker, skipBackend: true, allowInsecure: request.allowInsecure, cwd: request.cwd });
  return { url: plan.targets[0].url, tls: plan.tls, material: plan.material, issues: plan.issues.filter((i) => i.code !== "acl-username") };
}

/** Connects, runs one census, and closes the connection (also on failure). */
export async function censusOnce(target: CensusTarget, options: CensusOptions & { readonly timeoutMs?: number } = {}): Promise<CensusReport> {
  const connection = await connectCensusRedis(target.url, { tls: target.tls, material: target.material, timeoutMs: options.timeoutMs });
  try {
    return await runCensus(connection.redis, options);
  } finally {
    await connection.close();
  }
}
