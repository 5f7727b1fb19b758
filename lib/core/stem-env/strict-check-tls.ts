import { Finding, finding } from "./finding";
import { dartTrim } from "./parse-signing-env";
import type { EnvMap } from "./signing-config";

/** The only `STEM_TLS_*` variables Stem reads (`tls.dart`, docs/stem-compat.md §4.1). */
export const STEM_TLS_ENV = {
  caCert: "STEM_TLS_CA_CERT",
  clientCert: "STEM_TLS_CLIENT_CERT",
  clientKey: "STEM_TLS_CLIENT_KEY",
  allowInsecure: "STEM_TLS_ALLOW_INSECURE",
} as const;

const KNOWN = new Set<string>(Object.values(STEM_TLS_ENV));

/**
 * How Stem reads `STEM_TLS_ALLOW_INSECURE`: untrimmed, true when the
 * lowercased value contains "true" or equals "1". So "untrue" is true and
 * " 1" is false.
 */
export function stemAllowInsecure(value: string | undefined): boolean {
  return (value ?? "false").toLowerCase().includes("true") || (value ?? "").toLowerCase() === "1";
}

/** stemguard's rules for the `STEM_TLS_*` variables. Values are paths, except ALLOW_INSECURE. */
export function checkTlsEnv(env: EnvMap): Finding[] {
  const findings: Finding[] = [];
  for (const name of Object.keys(env)) {
    if (name.startsWith("STEM_TLS_") && !KNOWN.has(name) && env[name] !== undefined) {
      findings.push(
        finding("error", name, "Stem reads no such variable (its only TLS variables are STEM_TLS_CA_CERT, STEM_TLS_CLIENT_CERT, STEM_TLS_CLIENT_KEY, STEM_TLS_ALLOW_INSECURE)", "remove it or fix the name"),
      );
    }
  }

  const insecure = env[STEM_TLS_ENV.allowInsecure];
  if (insecure !== undefined) {
    if (insecure !== "true") {
      // The value is a flag, not a secret, so it is shown (capped).
      const shown = JSON.stringify(insecure.length > 20 ? `${insecure.slice(0, 17)}...` : insecure);
      findings.push(
        finding(
          "error",
          STEM_TLS_ENV.allowInsecure,
          `value ${shown} is not exactly "true"; Stem reads it as ${stemAllowInsecure(insecure)} (anything containing "true", such as "untrue", is true; " 1" and "yes" are false)`,
          'set exactly STEM_TLS_ALLOW_INSECURE=true, or remove the variable (the safe default)',
        ),
      );
    } else {
      findings.push(
        finding("warning", STEM_TLS_ENV.allowInsecure, "server certificates are not verified (any certificate, any host name is accepted)", "remove it and set STEM_TLS_CA_CERT to the CA that signed the server certificate"),
      );
    }
  }

  for (const name of [STEM_TLS_ENV.caCert, STEM_TLS_ENV.clientCert, STEM_TLS_ENV.clientKey]) {
    const value = env[name];
    // PEM pasted into a path variable may be a private key: never echo it.
    if (value !== undefined && /-----BEGIN|^LS0tLS1CRUdJTi/.test(value)) {
      findings.push(finding("error", name, "value is certificate or key content; Stem expects a file path", "mount the file into the container and set the variable to its path"));
    }
  }

  const set = (name: string) => dartTrim(env[name] ?? "") !== "";
  if (set(STEM_TLS_ENV.clientCert) !== set(STEM_TLS_ENV.clientKey)) {
    const [has, lacks] = set(STEM_TLS_ENV.clientCert) ? [STEM_TLS_ENV.clientCert, STEM_TLS_ENV.clientKey] : [STEM_TLS_ENV.clientKey, STEM_TLS_ENV.clientCert];
    findings.push(finding("error", has, `set without ${lacks}; Stem uses a client certificate only when both are set, so it silently sends none`, `set ${lacks} too, or remove ${has}`));
  }
  if (!set(STEM_TLS_ENV.caCert) && (set(STEM_TLS_ENV.clientCert) || set(STEM_TLS_ENV.clientKey))) {
    findings.push(
      finding(
        "warning",
        STEM_TLS_ENV.caCert,
        "not set while a client certificate path is: once any STEM_TLS_* path is set Stem trusts no system CA, so no server certificate can verify",
        "set STEM_TLS_CA_CERT to the CA bundle that signed the server certificate",
      ),
    );
  }
  return findings;
}
