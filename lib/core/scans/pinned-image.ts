/**
 * `name:tag@sha256:<64 lowercase hex>`: a registry path (optionally with a
 * host and port), a tag for readers, and the digest the runtime actually pulls.
 */
export const PINNED_IMAGE = /^(?<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\.[a-z0-9-]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*):(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})@sha256:(?<digest>[0-9a-f]{64})$/;

/** What is wrong with an image reference that is not `name:tag@sha256:<64 hex>`; undefined when it is pinned. */
export function pinnedImageProblem(image: string): string | undefined {
  if (PINNED_IMAGE.test(image)) return undefined;
  const at = image.indexOf("@");
  if (at < 0) return "image must be pinned by digest (name:tag@sha256:<64 hex>); a tag alone can move to other bytes";
  if (!/^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1))) return "the digest must be sha256: followed by 64 lowercase hex digits";
  if (!/:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(image.slice(0, at).replace(/^[^/]*:[0-9]+\//, ""))) {
    return "image must carry a tag before the digest (name:tag@sha256:...), so reviews show which release the digest is";
  }
  return "image name must be a lowercase registry path (host[:port]/path)";
}

/** An image reference (digest form) split into its parts, or undefined when it is not pinned. */
export function parsePinnedImage(image: string): { name: string; tag: string; digest: string } | undefined {
  const m = PINNED_IMAGE.exec(image);
  return m?.groups ? { name: m.groups.name, tag: m.groups.tag, digest: m.groups.digest } : undefined;
}
