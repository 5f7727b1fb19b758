import { Token } from "cdktf";
import { StemguardError } from "../core/errors";

/**
 * Refuses tags Secrets Manager rejects at apply time (after the plan looked
 * fine): at most 50, keys of 1-128 and values of at most 256 characters, no
 * `aws:` prefix (reserved).
 */
export function assertSecretTags(tags: Readonly<Record<string, string>> | undefined, field: string): void {
  if (tags === undefined) return;
  const entries = Object.entries(tags);
  if (entries.length > 50) {
    throw new StemguardError("Secrets Manager allows at most 50 tags per secret", { field, value: `${entries.length} tags`, fix: "drop tags, or set the rest as provider default_tags" });
  }
  for (const [key, value] of entries) {
    if (Token.isUnresolved(key)) continue;
    if (key.length === 0 || key.length > 128 || key.toLowerCase().startsWith("aws:")) {
      throw new StemguardError("a tag key must be 1-128 characters and must not start with the reserved aws:", { field: `${field}.${key}`, value: key, fix: "rename the tag" });
    }
    if (!Token.isUnresolved(value) && (typeof value !== "string" || value.length > 256)) {
      throw new StemguardError("a tag value must be a string of at most 256 characters", { field: `${field}.${key}`, value: typeof value === "string" ? `${value.length} characters` : typeof value, fix: "shorten the value" });
    }
  }
}
