import { StemguardError } from "../errors";
import { parsePinnedImage, pinnedImageProblem } from "./pinned-image";

/**
 * The default trivy image: 0.69.3 by digest, the last release before the
 * compromised ones. Re-check the digest against the registry before
 * production (`docker buildx imagetools inspect aquasec/trivy:0.69.3` or
 * `crane digest aquasec/trivy:0.69.3`) and pin your own.
 */
export const DEFAULT_TRIVY_IMAGE = "aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c";

/** trivy releases published through its compromised release channel (2026): malicious, never run them. */
export const COMPROMISED_TRIVY_VERSIONS: readonly string[] = ["0.69.4", "0.69.5", "0.69.6"];

const FIX = `pin a trusted release by digest, e.g. "${DEFAULT_TRIVY_IMAGE}" (re-check the digest with \`crane digest aquasec/trivy:<tag>\`)`;

/** Refuses a trivy image that is not pinned by digest, or that is one of the compromised releases. */
export function assertTrivyImage(image: string, field: string): void {
  const problem = pinnedImageProblem(image);
  if (problem) throw new StemguardError(problem, { field, value: image, fix: FIX });
  const { tag } = parsePinnedImage(image)!;
  const version = tag.replace(/^v/, "").replace(/-.*$/, "");
  if (COMPROMISED_TRIVY_VERSIONS.includes(version)) {
    throw new StemguardError(`trivy ${version} was published through trivy's compromised release channel (0.69.4-0.69.6 are malicious)`, { field, value: image, fix: FIX });
  }
}
