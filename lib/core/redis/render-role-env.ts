import { renderRedisClientEnv, type RedisClientEndpoint } from "./client-env";
import { currentRedisPhase, type RedisLedger } from "./ledger-file";
import { readRedisPassword } from "./password";

/**
 * A role's Redis env (every URL variable and STEM_TLS_*) for the ledger's
 * current phase, with the active password read from `<dir>/<id>.password`.
 * The same for every role: Stem's producers, workers and beat all use the
 * default user's active password.
 */
export function renderRoleRedisEnv(ledger: RedisLedger, endpoint: RedisClientEndpoint, materialDir: string): Record<string, string> {
  const phase = currentRedisPhase(ledger);
  const password = phase.activePassword === undefined ? undefined : readRedisPassword(materialDir, phase.activePassword);
  return Object.fromEntries(renderRedisClientEnv(phase, endpoint, () => password!));
}
