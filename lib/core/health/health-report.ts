import type { RedisCheckResult } from "./check-redis";
import type { StemTlsConfig } from "./tls-env";

/** Which Stem connection a result is about. */
export type HealthComponent = "broker" | "backend";

/** TLS settings reported after a TLS failure, with Stem's placeholders. */
export interface HealthTlsContext {
  /** CA path, or `"system"` when unset. */
  readonly caCertificate: string;
  /** Client certificate path (even when its key is missing, as Stem reports it), or `"not provided"`. */
  readonly clientCertificate: string;
  readonly allowInsecure: boolean;
}

/** One entry of `stem health --json` (docs/stem-compat.md §5), byte-compatible in shape. */
export interface HealthResult {
  readonly component: HealthComponent;
  readonly status: "ok" | "error";
  /** `Connected to <url>`, `Connection failed for <url>: <error>` or `TLS handshake failed for <url>: <error>`, URL redacted. */
  readonly message: string;
  /** Present only after a TLS failure, as in Stem. */
  readonly context?: { readonly tls: HealthTlsContext; readonly hints: readonly string[] };
}

/** Stem's hint when verification is on. */
export const TLS_HINT_VERIFYING =
  "Verify certificate paths or temporarily set STEM_TLS_ALLOW_INSECURE=true to bypass validation while debugging.";
/** Stem's hint when verification is off. */
export const TLS_HINT_INSECURE = "TLS verification is disabled (STEM_TLS_ALLOW_INSECURE=true); ensure this is intentional.";

/** Exit code of `stem health` when every check passed. */
export const HEALTH_OK = 0;
/** Exit code of `stem health` when a check failed (EX_SOFTWARE). */
export const HEALTH_FAILED = 70;

/** Stem's `_tlsFailureContext`. */
export function tlsFailureContext(tls: StemTlsConfig): NonNullable<HealthResult["context"]> {
  return {
    tls: {
      caCertificate: tls.caCertificateFile ?? "system",
      clientCertificate: tls.clientCertificateFile ?? "not provided",
      allowInsecure: tls.allowInsecure,
    },
    hints: [tls.allowInsecure ? TLS_HINT_INSECURE : TLS_HINT_VERIFYING],
  };
}

/** Turns a check outcome into a result; `redactedUrl` must already be redacted. */
export function toHealthResult(
  component: HealthComponent,
  redactedUrl: string,
  check: RedisCheckResult,
  tls: StemTlsConfig,
): HealthResult {
  if (check.ok) return { component, status: "ok", message: `Connected to ${redactedUrl}` };
  if (check.failure === "tls") {
    return {
      component,
      status: "error",
      message: `TLS handshake failed for ${redactedUrl}: ${check.error}`,
      context: tlsFailureContext(tls),
    };
  }
  return { component, status: "error", message: `Connection failed for ${redactedUrl}: ${check.error}` };
}

/** 0 when every result is ok, else 70 (as `stem health`). */
export function healthExitCode(results: readonly HealthResult[]): typeof HEALTH_OK | typeof HEALTH_FAILED {
  return results.every((r) => r.status === "ok") ? HEALTH_OK : HEALTH_FAILED;
}

/** `--json` output: one line, a JSON array, keys in Stem's order. */
export function renderHealthJson(results: readonly HealthResult[]): string {
  return `${JSON.stringify(
    results.map((r) => ({
      component: r.component,
      status: r.status,
      message: r.message,
      ...(r.context ? { context: r.context } : {}),
    })),
  )}\n`;
}

/** Human output: the `Health checks` title, one line per result, TLS and hint lines after failures. */
export function renderHealthText(results: readonly HealthResult[]): string {
  const lines = ["Health checks", ""];
  for (const r of results) {
    lines.push(`${r.status === "ok" ? "[ok]   " : "[error]"} ${r.component}: ${r.message}`);
    if (r.status === "error" && r.context) {
      const t = r.context.tls;
      lines.push(`       TLS -> ca=${t.caCertificate}, client=${t.clientCertificate}, allowInsecure=${t.allowInsecure}`);
      for (const hint of r.context.hints) lines.push(`       hint: ${hint}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
