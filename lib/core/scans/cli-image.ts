/**
 * The stemguard CLI image the census jobs run: built from the package's
 * Dockerfile (docker/Dockerfile, shipped in the npm package), which runs as
 * this numeric user and group; the constructs run the container as the same.
 */
export const STEMGUARD_IMAGE_USER = { uid: 10001, gid: 10001 } as const;

/** Where the Dockerfile of the stemguard CLI image is, in the repository and in the npm package. */
export const STEMGUARD_DOCKERFILE = "docker/Dockerfile";
