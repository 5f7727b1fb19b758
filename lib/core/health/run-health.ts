import { StemConfigError, StemguardError } from "../errors";
import type { EnvMap } from "../stem-env/signing-config";
import { checkRedis } from "./check-redis";
import { healthExitCode, toHealthResult, type HealthComponent, type HealthResult } from "./health-report";
import type { ConfigIssue } from "./issues";
import { parseRedisUrl, redactUrl, urlScheme, type RedisUrl } from "./redis-url";
import { redisUrlIssues } from "./redis-url-issues";
import { TLS_ENV, readTlsEnv, tlsEnvIssues, tlsPathsSet, type StemTlsConfig } from "./tls-env";
import { loadTlsMaterial, type TlsClientMaterial } from "./tls-files";

/** Stem's variable names for the two URLs `stem health` checks. */
export const BROKER_ENV = "STEM_BROKER_URL";
export const BACKEND_ENV = "STEM_RESULT_BACKEND_URL";

/** Stem's text when the broker URL is missing (docs/stem-compat.md §8). */
export const MISSING_BROKER_MESSAGE = "Missing STEM_BROKER_URL environment variable (e.g. redis://host:6379).";

const POSTGRES_SCHEMES = new Set(["postgres", "postgresql", "postgres+ssl", "postgresql+ssl"]);

/** Input of {@link planHealthChecks} and {@link runHealthChecks}, mirroring `stem health`'s flags. */
export interface HealthCheckRequest {
  /** Environment to read `STEM_*` from. */
  readonly env: EnvMap;
  /** `--broker`: overrides STEM_BROKER_URL when non-empty after trimming. */
  readonly broker?: string;
  /** `--backend`: overrides STEM_RESULT_BACKEND_URL when non-empty after trimming. */
  readonly backend?: string;
  /**
   * `--skip-backend`.
   *
   * @default false
   */
  readonly skipBackend?: boolean;
  /**
   * `--allow-insecure`: sets STEM_TLS_ALLOW_INSECURE=true for this run.
   *
   * @default false
   */
  readonly allowInsecure?: boolean;
  /**
   * Refuse to run (configuration error) when stricter-than-Stem checks find issues.
   *
   * @default false
   */
  readonly strict?: boolean;
  /**
   * Bound for connect plus TLS handshake, per check, in milliseconds.
   *
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Bound for each command's reply, in milliseconds.
   *
   * @default 5000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Directory that relative `STEM_TLS_*` paths start from (the CLI's working directory).
   *
   * @default process.cwd()
   */
  readonly cwd?: string;
}

/** What will be checked, after all configuration is validated. Holds the client key: never print it. */
export interface HealthPlan {
  readonly targets: readonly { readonly component: HealthComponent; readonly url: RedisUrl }[];
  readonly tls: StemTlsConfig;
  readonly material: TlsClientMaterial;
  /** Stricter-than-Stem findings (printed as warnings unless `strict`). */
  readonly issues: readonly ConfigIssue[];
}

/** Outcome of {@link runHealthChecks}. */
export interface HealthRun {
  readonly results: readonly HealthResult[];
  /** 0 all ok, 70 any check failed (configuration errors throw instead: exit 64). */
  readonly exitCode: 0 | 70;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Resolves URLs and TLS settings the way `stem health` does (flags override
 * env; STEM_BROKER_URL is required and not trimmed; STEM_RESULT_BACKEND_URL is
 * trimmed and optional) and validates everything that can be validated
 * without a network: URL syntax, Redis-only schemes, readable TLS files.
 *
 * @throws StemConfigError when STEM_BROKER_URL is missing (Stem's own error)
 * @throws StemguardError for any other configuration problem (exit 64)
 */
export function planHealthChecks(request: HealthCheckRequest): HealthPlan {
  const env: Record<string, string | undefined> = { ...request.env };
  const brokerFlag = request.broker?.trim();
  if (brokerFlag) env[BROKER_ENV] = brokerFlag;
  const backendFlag = request.backend?.trim();
  if (backendFlag) env[BACKEND_ENV] = backendFlag;
  if (request.allowInsecure) env[TLS_ENV.allowInsecure] = "true";

  const brokerText = env[BROKER_ENV];
  if (brokerText === undefined || brokerText === "") throw new StemConfigError("StateError", MISSING_BROKER_MESSAGE);
  const brokerField = brokerFlag ? "--broker" : BROKER_ENV;
  const targets: { component: HealthComponent; url: RedisUrl }[] = [
    { component: "broker", url: parseTarget(brokerText, brokerField) },
  ];
  const backendText = env[BACKEND_ENV]?.trim();
  if (!request.skipBackend && backendText) {
    targets.push({ component: "backend", url: parseTarget(backendText, backendFlag ? "--backend" : BACKEND_ENV) });
  }

  const tls = readTlsEnv(env);
  const anyTls = targets.some((t) => t.url.tls);
  const issues: ConfigIssue[] = [
    ...(anyTls ? tlsEnvIssues(env) : []),
    ...targets.flatMap((t) =>
      redisUrlIssues(t.url, { field: t.component === "broker" ? brokerField : BACKEND_ENV, tlsEnvSet: tlsPathsSet(tls) }),
    ),
  ];
  if (request.strict && issues.length > 0) {
    throw new StemguardError(`${issues.length} stricter-than-Stem check(s) failed: ${issues.map((i) => i.message).join("; ")}`, {
      field: "--strict",
      fix: "fix the settings named above, or run without --strict to see them as warnings",
    });
  }
  const material = anyTls ? loadTlsMaterial(tls, request.cwd) : { ca: undefined, cert: undefined, key: undefined };
  return { targets, tls, material, issues };
}

/**
 * `stem health` over real Redis: validates configuration ({@link planHealthChecks}),
 * then checks the broker and, unless skipped or unset, the result backend,
 * one after the other, each with one bounded attempt.
 */
export async function runHealthChecks(request: HealthCheckRequest): Promise<HealthRun> {
  const plan = planHealthChecks(request);
  const results: HealthResult[] = [];
  for (const target of plan.targets) {
    const check = await checkRedis(target.url, {
      tls: plan.tls,
      material: plan.material,
      connectTimeoutMs: request.connectTimeoutMs,
      commandTimeoutMs: request.commandTimeoutMs,
    });
    results.push(toHealthResult(target.component, target.url.redacted, check, plan.tls));
  }
  return { results, exitCode: healthExitCode(results), issues: plan.issues };
}

function parseTarget(text: string, field: string): RedisUrl {
  const scheme = urlScheme(text);
  if (POSTGRES_SCHEMES.has(scheme) || scheme === "sqlite") {
    throw new StemguardError(`stemguard health checks Redis only; this URL uses scheme "${scheme}"`, {
      field,
      value: redactUrl(text),
      fix:
        field.includes("BACKEND") || field === "--backend"
          ? "check this backend with `stem health`, or pass --skip-backend to check only the Redis broker"
          : "check a Postgres broker with `stem health` (stemguard does not connect to Postgres)",
    });
  }
  return parseRedisUrl(text, field);
}
