import { Token } from "cdktf";
import { StemguardError } from "../core/errors";
import { STEMGUARD_DOCKERFILE } from "../core/scans/cli-image";
import { pinnedImageProblem } from "../core/scans/pinned-image";

/** Refuses a construct image that is not a literal `name:tag@sha256:<64 hex>`. */
export function assertConstructImage(image: string, field: string, fix: string): void {
  if (Token.isUnresolved(image)) throw new StemguardError("image must be a literal: its digest is checked at synth", { field, fix });
  const problem = pinnedImageProblem(image);
  if (problem) throw new StemguardError(problem, { field, value: image, fix });
}

/** The fix for the stemguard CLI image (built from the shipped Dockerfile). */
export const STEMGUARD_IMAGE_FIX = `build the image from the package's ${STEMGUARD_DOCKERFILE}, push it, and pass it by digest, e.g. "registry.example.com/stemguard:0.1.0@sha256:<digest>"`;
