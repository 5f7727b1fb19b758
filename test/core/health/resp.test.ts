import { RespProtocolError, RespReader, encodeCommand } from "../../../lib/core/health/resp";

describe("encodeCommand", () => {
  it("encodes a RESP array of bulk strings with byte lengths", () => {
    expect(encodeCommand(["AUTH", "pé"]).toString("utf8")).toBe("*2\r\n$4\r\nAUTH\r\n$3\r\npé\r\n");
  });
});

describe("RespReader", () => {
  it("reads simple, error, integer, bulk and array replies", () => {
    const reader = new RespReader();
    reader.push(Buffer.from("+PONG\r\n-ERR no\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n+a\r\n:1\r\n"));
    expect(reader.next()).toEqual({ type: "simple", value: "PONG" });
    expect(reader.next()).toEqual({ type: "error", value: "ERR no" });
    expect(reader.next()).toEqual({ type: "integer", value: 42 });
    expect(reader.next()).toEqual({ type: "bulk", value: "abc" });
    expect(reader.next()).toEqual({ type: "bulk", value: null });
    expect(reader.next()).toEqual({
      type: "array",
      value: [
        { type: "simple", value: "a" },
        { type: "integer", value: 1 },
      ],
    });
    expect(reader.next()).toBeUndefined();
  });

  it("waits for replies split across chunks", () => {
    const reader = new RespReader();
    reader.push(Buffer.from("$5\r\nhel"));
    expect(reader.next()).toBeUndefined();
    reader.push(Buffer.from("lo\r\n+P"));
    expect(reader.next()).toEqual({ type: "bulk", value: "hello" });
    expect(reader.next()).toBeUndefined();
    reader.push(Buffer.from("ONG\r\n"));
    expect(reader.next()).toEqual({ type: "simple", value: "PONG" });
  });

  it("fails on bytes that are not RESP (e.g. an HTTP or TLS peer)", () => {
    const reader = new RespReader();
    reader.push(Buffer.from("HTTP/1.1 400 Bad Request\r\n"));
    expect(() => reader.next()).toThrow(RespProtocolError);
  });

  it("fails on a reply larger than a health check needs", () => {
    const reader = new RespReader();
    expect(() => reader.push(Buffer.alloc(1024 * 1024 + 1))).toThrow(/too large/);
  });
});
