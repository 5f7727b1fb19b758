import forge from "node-forge";
import { isIPv4 } from "node:net";

/** The extensions stemguard reports, decoded from DER for any key type (forge's certificate parser is RSA-only). */
export interface DecodedExtensions {
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  /** SAN entries of other types, e.g. `email:a@b`, `URI:spiffe://x`. */
  readonly otherNames: string[];
  /** keyUsage bit names, e.g. `digitalSignature`, `keyCertSign`. */
  readonly keyUsage: string[];
  /** extendedKeyUsage names (`serverAuth`, `clientAuth`, ...) or dotted OIDs for unknown ones. */
  readonly extendedKeyUsage: string[];
  /** Hex subjectKeyIdentifier, if present. */
  readonly subjectKeyId?: string;
  /** Hex authorityKeyIdentifier keyIdentifier, if present. */
  readonly authorityKeyId?: string;
}

const KEY_USAGE_BITS = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

const EKU_NAMES: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

// Keep BIT STRING contents raw (forge would otherwise try to parse keyUsage bits as nested ASN.1);
// @types/node-forge only knows the old boolean form of the options argument.
const DER = { decodeBitStrings: false, strict: true, parseAllBytes: true };
const fromDer = forge.asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: typeof DER) => forge.asn1.Asn1;

/** Decodes SAN, keyUsage, EKU, SKI and AKI from a DER certificate. */
export function decodeExtensions(der: Buffer): DecodedExtensions {
  const out: DecodedExtensions = { dnsNames: [], ipAddresses: [], otherNames: [], keyUsage: [], extendedKeyUsage: [] };
  const result = out as { -readonly [K in keyof DecodedExtensions]: DecodedExtensions[K] };
  const cert = fromDer(forge.util.createBuffer(der.toString("binary")), DER);
  const tbs = (cert.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  const wrapper = tbs.find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3);
  if (!wrapper) return out;
  const extensions = ((wrapper.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[]) ?? [];
  for (const ext of extensions) {
    const parts = ext.value as forge.asn1.Asn1[];
    const oid = forge.asn1.derToOid(parts[0].value as string);
    const octets = parts[parts.length - 1].value as string;
    const value = fromDer(forge.util.createBuffer(octets), DER);
    switch (oid) {
      case "2.5.29.17":
        for (const name of value.value as forge.asn1.Asn1[]) addGeneralName(result, name);
        break;
      case "2.5.29.15": {
        const bits = value.value as string; // first byte: unused-bit count
        KEY_USAGE_BITS.forEach((label, i) => {
          const byte = bits.charCodeAt(1 + (i >> 3));
          if (!Number.isNaN(byte) && byte & (0x80 >> (i & 7))) result.keyUsage.push(label);
        });
        break;
      }
      case "2.5.29.37":
        for (const node of value.value as forge.asn1.Asn1[]) {
          const eku = forge.asn1.derToOid(node.value as string);
          result.extendedKeyUsage.push(EKU_NAMES[eku] ?? eku);
        }
        break;
      case "2.5.29.14":
        result.subjectKeyId = forge.util.bytesToHex(value.value as string);
        break;
      case "2.5.29.35": {
        const keyId = (value.value as forge.asn1.Asn1[]).find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 0);
        if (keyId) result.authorityKeyId = forge.util.bytesToHex(keyId.value as string);
        break;
      }
    }
  }
  return out;
}

function addGeneralName(out: { dnsNames: string[]; ipAddresses: string[]; otherNames: string[] }, name: forge.asn1.Asn1): void {
  const raw = typeof name.value === "string" ? name.value : "";
  switch (name.type) {
    case 1:
      out.otherNames.push(`email:${raw}`);
      break;
    case 2:
      out.dnsNames.push(raw);
      break;
    case 6:
      out.otherNames.push(`URI:${raw}`);
      break;
    case 7:
      out.ipAddresses.push(bytesToIp(Buffer.from(raw, "binary")));
      break;
    default:
      out.otherNames.push(`type${name.type}`);
  }
}

/** Text form of 4 or 16 address bytes; IPv6 compressed as RFC 5952. */
export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) {
    const text = [...bytes].join(".");
    return isIPv4(text) ? text : `invalid:${bytes.toString("hex")}`;
  }
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
  }
  return `invalid:${bytes.toString("hex")}`;
}
