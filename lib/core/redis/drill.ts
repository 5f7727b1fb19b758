import type { RedisWalkPhase } from "./ledger-file";
import { clientTransport, serverTransport } from "./transport";
import type { RedisPhase } from "./types";

/** Whether a client of one phase can connect to (and authenticate with) the server of another, and why not. */
export function redisConnects(client: RedisPhase, server: RedisPhase): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const c = clientTransport(client);
  const s = serverTransport(server);
  if (c.scheme === "redis" && !s.plain) return { ok: false, reason: "the client connects plain, the server refuses plain (tls-only)" };
  if (c.scheme === "rediss" && !s.tls) return { ok: false, reason: "the client connects over TLS, the server does not speak TLS" };
  if (c.scheme === "rediss" && s.clientAuth === "yes" && !c.clientCertificate) return { ok: false, reason: "the server requires a client certificate, the client has none" };
  const sent = client.activePassword;
  if (server.acceptedPasswords.length === 0 && sent !== undefined) return { ok: false, reason: `the client sends password "${sent}", the server has none (AUTH on a nopass user is an error)` };
  if (server.acceptedPasswords.length > 0 && sent === undefined) return { ok: false, reason: "the client sends no password, the server requires one (NOAUTH)" };
  if (sent !== undefined && !server.acceptedPasswords.includes(sent)) return { ok: false, reason: `the client sends password "${sent}", the server accepts ${server.acceptedPasswords.map((p) => `"${p}"`).join(", ")} (WRONGPASS)` };
  return { ok: true };
}

/** One client/server pair the drill found that cannot connect. */
export interface RedisDrillFinding {
  /** The walk index of the clients' env. */
  readonly clientPhase: number;
  /** The walk index of the server. */
  readonly serverPhase: number;
  /** The step that made the server's phase. */
  readonly step: string;
  readonly reason: string;
}

/** The drill's verdict over a walk. */
export interface RedisDrillReport {
  readonly phases: number;
  readonly checks: number;
  /** Pairs that cannot connect: a role of the previous phase is cut off while the phase rolls out. */
  readonly failures: readonly RedisDrillFinding[];
  /** The first password on a server with running clients: the documented cut-over (docs/redis.md), reported, not failed. */
  readonly cutovers: readonly RedisDrillFinding[];
}

/**
 * For every phase, each role's env (all roles get the same Redis env) must
 * connect to the server of the same phase and of the next one: a rollout is
 * never atomic, so the previous phase's clients meet the new server.
 */
export function runRedisDrill(walk: readonly RedisWalkPhase[]): RedisDrillReport {
  const failures: RedisDrillFinding[] = [];
  const cutovers: RedisDrillFinding[] = [];
  let checks = 0;
  walk.forEach((p, i) => {
    const pairs: [RedisWalkPhase, RedisWalkPhase][] = [[p, p], ...(i + 1 < walk.length ? [[p, walk[i + 1]] as [RedisWalkPhase, RedisWalkPhase]] : [])];
    for (const [client, server] of pairs) {
      checks++;
      const verdict = redisConnects(client.phase, server.phase);
      if (verdict.ok) continue;
      const finding = { clientPhase: client.index, serverPhase: server.index, step: server.step, reason: verdict.reason };
      const firstPassword = client !== server && server.step.startsWith("password init") && client.phase.acceptedPasswords.length === 0;
      (firstPassword ? cutovers : failures).push(finding);
    }
  });
  return { phases: walk.length, checks, failures, cutovers };
}
