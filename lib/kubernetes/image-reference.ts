import { Token } from "cdktf";
import { StemguardError } from "../core/errors";

/**
 * `name:tag@sha256:<64 lowercase hex>`: a registry path (optionally with a
 * host and port), a tag for readers, and the digest the kubelet actually pulls.
 */
const IMAGE = /^(?<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\.[a-z0-9-]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*):(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})@sha256:(?<digest>[0-9a-f]{64})$/;

const FIX = "pin the image by digest, e.g. \"redis:7.4-alpine@sha256:<digest>\" (the digest from `docker buildx imagetools inspect redis:7.4-alpine` or `crane digest redis:7.4-alpine`)";

/** Refuses an image that is not pinned as `name:tag@sha256:<64 hex>`, naming what is wrong. */
export function assertPinnedImage(image: string, field: string): void {
  if (Token.isUnresolved(image)) {
    throw new StemguardError("image must be a literal: its digest is checked at synth", { field, fix: FIX });
  }
  if (IMAGE.test(image)) return;
  const at = image.indexOf("@");
  const problem =
    at < 0
      ? "image must be pinned by digest (name:tag@sha256:<64 hex>); a tag alone can move to other bytes"
      : !/^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1))
        ? "the digest must be sha256: followed by 64 lowercase hex digits"
        : !/:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(image.slice(0, at).replace(/^[^/]*:[0-9]+\//, ""))
          ? "image must carry a tag before the digest (name:tag@sha256:...), so reviews show which release the digest is"
          : "image name must be a lowercase registry path (host[:port]/path)";
  throw new StemguardError(problem, { field, value: image, fix: FIX });
}
