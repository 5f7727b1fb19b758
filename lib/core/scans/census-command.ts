import { StemguardError } from "../errors";

/** The port `stemguard census --serve` listens on in the census Deployment. */
export const CENSUS_METRICS_PORT = 9464;
/** The env variable the census containers read the broker URL from (set from a write-only secret). */
export const CENSUS_BROKER_ENV = "STEM_BROKER_URL";

export interface CensusCommandOptions {
  /**
   * Queues to count.
   *
   * @default - every queue the census discovers
   */
  readonly queues?: readonly string[];
  /**
   * Certificate files (in the container) the census inspects (`--certificate`).
   *
   * @default - none
   */
  readonly certificateFiles?: readonly string[];
}

/** `--queue Q ... --certificate F ...`, checked. */
export function censusArgs(options: CensusCommandOptions, field: string): string[] {
  const queues = options.queues ?? [];
  for (const [i, q] of queues.entries()) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/.test(q) || /:p[1-9]$/.test(q)) {
      throw new StemguardError("queue names are letters, digits, '.', '_', ':' and '-' (and not ending in :p1-:p9, Stem's priority suffix)", { field: `${field}.queues[${i}]`, value: q, fix: 'e.g. "default"' });
    }
  }
  if (new Set(queues).size !== queues.length) throw new StemguardError("queues must not repeat", { field: `${field}.queues`, value: queues, fix: "list each queue once" });
  const certs = options.certificateFiles ?? [];
  for (const [i, c] of certs.entries()) {
    if (!c.startsWith("/") || /\s|\$/.test(c)) throw new StemguardError("certificate files must be absolute paths in the container, without spaces or '$'", { field: `${field}.certificateFiles[${i}]`, value: c, fix: 'e.g. "/etc/stem/tls/ca.pem"' });
  }
  return [...queues.flatMap((q) => ["--queue", q]), ...certs.flatMap((c) => ["--certificate", c])];
}
