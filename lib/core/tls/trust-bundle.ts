import { StemguardError } from "../errors";
import { fingerprint256Of, trustBundleCaIds } from "./ca-ledger";
import type { TlsCaLedger } from "./ca-ledger-types";

/**
 * The PEM trust bundle of the ledger's phase (the file `STEM_TLS_CA_CERT`
 * and Redis `tls-ca-cert-file` point at): the certificates of the staged,
 * active and retiring CAs, in ledger order. Each certificate must match the
 * fingerprint the ledger recorded, so a wrong file is caught before deploy.
 *
 * @param caCertPems CA certificate PEM by CA id (at least the bundle's CAs)
 */
export function renderTrustBundle(ledger: TlsCaLedger, caCertPems: Readonly<Record<string, string>>): string {
  return trustBundleCaIds(ledger)
    .map((id) => {
      const pem = caCertPems[id];
      if (pem === undefined) {
        throw new StemguardError(`no certificate given for CA "${id}"`, { field: `caCertPems.${id}`, fix: `pass the ca.crt of "${id}"` });
      }
      const expected = ledger.cas.find((ca) => ca.id === id)!.fingerprint256;
      let actual: string;
      try {
        actual = fingerprint256Of(pem);
      } catch (err) {
        throw new StemguardError(`not a PEM certificate (${(err as Error).message})`, { field: `caCertPems.${id}`, fix: `pass the ca.crt of "${id}"` });
      }
      if (actual !== expected) {
        throw new StemguardError(`certificate does not match the ledger's fingerprint for "${id}" (${expected})`, {
          field: `caCertPems.${id}`,
          value: actual,
          fix: "pass the CA certificate that was recorded in the ledger",
        });
      }
      return pem.trim() + "\n";
    })
    .join("");
}
