import { X509Certificate } from "node:crypto";
import { StemguardError } from "../errors";

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses every `CERTIFICATE` block of a PEM text (a single cert or a bundle). */
export function parseCertificates(pem: string, field: string): X509Certificate[] {
  const blocks = typeof pem === "string" ? (pem.match(CERT_BLOCK) ?? []) : [];
  if (blocks.length === 0) {
    throw new StemguardError("no PEM certificate found", {
      field,
      fix: "pass a file with -----BEGIN CERTIFICATE----- blocks (e.g. server.crt); DER is not read",
    });
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new StemguardError(`certificate #${i + 1} does not parse (${(err as Error).message})`, {
        field,
        fix: "regenerate the file or check it was not truncated",
      });
    }
  });
}

/** The CN of an X509Certificate subject/issuer string (`CN=redis\nO=x`), or null. */
export function commonNameOf(distinguishedName: string): string | null {
  const line = distinguishedName.split("\n").find((l) => l.startsWith("CN="));
  return line ? line.slice(3) : null;
}
