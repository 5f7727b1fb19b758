import * as net from "node:net";
import { checkRedis } from "../../../lib/core/health/check-redis";
import { parseRedisUrl } from "../../../lib/core/health/redis-url";
import { readTlsEnv } from "../../../lib/core/health/tls-env";

// Real sockets on loopback; the Redis and TLS paths run against redis-server in
// test/integration/redis-tls.test.ts.
const noTls = { tls: readTlsEnv({}), material: { ca: undefined, cert: undefined, key: undefined } };

const open = new Map<net.Server, net.Socket[]>();

function listen(onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      open.get(server)?.push(socket);
      socket.on("error", () => undefined);
      onConnection(socket);
    });
    open.set(server, []);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
function close(server: net.Server): Promise<void> {
  for (const socket of open.get(server) ?? []) socket.destroy();
  open.delete(server);
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("checkRedis", () => {
  // A test that fails before its own close() must not leave its server open.
  afterEach(() => Promise.all([...open.keys()].map(close)));

  it("fails as a connection failure when nothing listens", async () => {
    const server = await listen(() => undefined);
    const port = portOf(server);
    await close(server);
    const result = await checkRedis(parseRedisUrl(`redis://127.0.0.1:${port}/0`), noTls);
    expect(result).toMatchObject({ ok: false, failure: "connection" });
    expect(!result.ok && result.error).toMatch(/ECONNREFUSED/);
  });

  it("fails with a bounded timeout when the server never replies, and closes the socket", async () => {
    let serverSideClosed = false;
    const server = await listen((s) => {
      s.resume();
      s.on("close", () => (serverSideClosed = true));
    });
    const started = Date.now();
    const result = await checkRedis(parseRedisUrl(`redis://127.0.0.1:${portOf(server)}`), { ...noTls, commandTimeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toEqual({ ok: false, failure: "connection", error: "timed out after 300 ms waiting for the reply to PING" });
    await new Promise((r) => setTimeout(r, 200));
    expect(serverSideClosed).toBe(true);
    await close(server);
  });

  it("classifies a TLS handshake against a plain-TCP peer as a TLS failure", async () => {
    const server = await listen((s) => s.end("-ERR not tls\r\n"));
    const result = await checkRedis(parseRedisUrl(`rediss://127.0.0.1:${portOf(server)}/0`), { ...noTls, connectTimeoutMs: 2000 });
    expect(result).toEqual({ ok: false, failure: "tls", error: "wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)" });
    await close(server);
  });

  it("fails when the peer does not speak RESP", async () => {
    const server = await listen((s) => s.on("data", () => s.write("HTTP/1.1 400 Bad Request\r\n\r\n")));
    const result = await checkRedis(parseRedisUrl(`redis://127.0.0.1:${portOf(server)}`), noTls);
    expect(result).toMatchObject({ ok: false, failure: "connection" });
    expect(!result.ok && result.error).toMatch(/not a Redis reply/);
    await close(server);
  });

  it("sends AUTH, SELECT and PING in order and scrubs the password from errors", async () => {
    const received: string[] = [];
    const server = await listen((s) =>
      s.on("data", (d) => {
        received.push(d.toString());
        s.write(received.length === 1 ? "+OK\r\n" : "-ERR DB index is out of range (echo: Zq9-hunter.77)\r\n");
      }),
    );
    const result = await checkRedis(parseRedisUrl(`redis://:Zq9-hunter.77@127.0.0.1:${portOf(server)}/99`), noTls);
    expect(received[0]).toBe("*2\r\n$4\r\nAUTH\r\n$13\r\nZq9-hunter.77\r\n");
    expect(received[1]).toBe("*2\r\n$6\r\nSELECT\r\n$2\r\n99\r\n");
    expect(result).toEqual({
      ok: false,
      failure: "connection",
      error: "Redis rejected SELECT: ERR DB index is out of range (echo: ***)",
    });
    await close(server);
  });

  it.each(["redis", "rediss"])("fails on a port above 65535 (%s) as a connection failure, leaving no socket behind", async (scheme) => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
    const before = sockets();
    const result = await checkRedis(parseRedisUrl(`${scheme}://127.0.0.1:70000/0`), noTls);
    expect(sockets()).toBe(before);
    expect(result).toEqual({ ok: false, failure: "connection", error: "port 70000 is out of range (0 to 65535)" });
  });
});
