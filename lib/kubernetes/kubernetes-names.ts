import { Token } from "cdktf";
import { StemguardError } from "../core/errors";

/** RFC 1123 label, as Kubernetes checks namespaces. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Label values: empty, or up to 63 chars of alphanumerics, `-`, `_`, `.`, alphanumeric at both ends. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Qualified names (label and annotation keys): optional DNS-subdomain prefix + `/` + name. */
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Refuses a namespace Kubernetes would reject at apply time (tokens pass: they resolve later). */
export function assertNamespace(value: string, field: string): void {
  if (Token.isUnresolved(value)) return;
  if (!DNS_LABEL.test(value) || value.length > 63) {
    throw new StemguardError("namespace must be a DNS label: lowercase letters, digits and '-', at most 63 characters", {
      field,
      value,
      fix: 'use a name such as "stem-prod"',
    });
  }
}

/**
 * Refuses a name prefix whose `<prefix>-<role>` names would be invalid. The
 * prefix must start with a letter because it also names Terraform variables.
 */
export function assertNamePrefix(value: string, field: string): void {
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 54) {
    throw new StemguardError(
      "namePrefix must start with a lowercase letter, contain only lowercase letters, digits and '-', and be at most 54 characters (\"<prefix>-producer\" must fit a DNS label)",
      { field, value, fix: 'use a prefix such as "stem-signing" or "orders-signing"' },
    );
  }
}

/** Refuses label keys or values Kubernetes would reject. */
export function assertLabels(labels: Readonly<Record<string, string>>, field: string): void {
  for (const [key, value] of Object.entries(labels)) {
    if (Token.isUnresolved(key)) continue;
    if (!QUALIFIED_NAME.test(key) || key.split("/").at(-1)!.length > 63) {
      throw new StemguardError("label key is not a valid Kubernetes qualified name", {
        field: `${field}.${key}`,
        value: key,
        fix: 'use "[prefix/]name" with a name of at most 63 characters, e.g. "app.kubernetes.io/part-of"',
      });
    }
    if (Token.isUnresolved(value)) continue;
    if (!LABEL_VALUE.test(value) || value.length > 63) {
      throw new StemguardError("label value must be at most 63 alphanumerics, '-', '_' or '.', alphanumeric at both ends", {
        field: `${field}.${key}`,
        value,
        fix: "shorten or simplify the value; labels are for selection, annotations for free text",
      });
    }
  }
}
