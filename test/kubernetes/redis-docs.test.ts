import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { serializeLedger } from "../../lib/core/keyring/ledger-file";
import { serializeRedisLedger } from "../../lib/core/redis/ledger-file";
import { serializeTlsLedger } from "../../lib/core/tls/ca-ledger-file";
import { initTlsLedger } from "../../lib/core/tls/ca-ledger";
import { fullWalkSteps } from "../core/redis/walk";
import { rotation } from "./fixtures";
import { RedisExampleStack } from "./redis-example";

const root = path.join(__dirname, "../..");
const section = () => {
  const doc = fs.readFileSync(path.join(root, "docs/kubernetes.md"), "utf8");
  const start = doc.indexOf("## Redis with rediss:// in phases");
  expect(start).toBeGreaterThan(0);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};

function blocks(file: string): Map<string, string> {
  const text = fs.readFileSync(file, "utf8");
  const out = new Map<string, string>();
  for (const m of text.matchAll(/\/\/ DOCS_BLOCK_START:(\w+)\n([\s\S]*?)\n\s*\/\/ DOCS_BLOCK_END:\1/g)) {
    const lines = m[2].split("\n");
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    out.set(m[1], lines.map((l) => l.slice(indent)).join("\n"));
  }
  return out;
}

describe('docs/kubernetes.md "Redis with rediss:// in phases"', () => {
  test("every snippet marked <!-- redis-example: name --> is the example stack's DOCS_BLOCK of that name", () => {
    const snippets = [...section().matchAll(/<!-- redis-example: (\w+) -->\n```ts\n([\s\S]*?)\n```/g)];
    expect(snippets.map((s) => s[1])).toEqual(["redis", "redis_worker"]);
    const source = blocks(path.join(__dirname, "redis-example.ts"));
    for (const [, name, body] of snippets) expect(body).toBe(source.get(name));
  });

  test("the example synthesizes with validations in a phase of the walk, from ledger files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-redis-docs-"));
    const cwd = process.cwd();
    try {
      const fp = (byte: string) => Array.from({ length: 32 }, () => byte).join(":");
      fs.writeFileSync(path.join(dir, "stemguard.redis.json"), serializeRedisLedger(fullWalkSteps().find((w) => w.step === "client-auth optional")!.ledger));
      fs.writeFileSync(path.join(dir, "stemguard.tls.json"), serializeTlsLedger(initTlsLedger("ca-2026", fp("AA"), { serverFingerprint256: fp("A1"), clientFingerprint256: fp("A2") })));
      fs.writeFileSync(path.join(dir, "stemguard.rotation.json"), serializeLedger(rotation("hmac-sha256").staged));
      process.chdir(dir);
      const stack = new RedisExampleStack(Testing.app(), "redis-example");
      const json = JSON.parse(Testing.synth(stack, true));
      const worker = json.resource.kubernetes_stateful_set_v1.worker.spec.template.spec.container[0];
      expect(worker.env.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(["STEM_BROKER_URL", "STEM_TLS_CLIENT_CERT", "STEM_SIGNING_KEYS"]));
      // The names the docs tell users to put in the server certificate.
      expect(section()).toContain(stack.redis.serverDnsNames.join(","));
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
