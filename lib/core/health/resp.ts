/**
 * The few RESP2 pieces a health check needs: encoding a command and reading
 * one reply. A full client would add retries and reconnects, which a health
 * check must not do.
 */

/** One Redis reply. */
export type RespReply =
  | { readonly type: "simple"; readonly value: string }
  | { readonly type: "error"; readonly value: string }
  | { readonly type: "integer"; readonly value: number }
  | { readonly type: "bulk"; readonly value: string | null }
  | { readonly type: "array"; readonly value: readonly RespReply[] | null };

/** Thrown when the peer does not speak RESP. */
export class RespProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RespProtocolError";
  }
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Replies larger than this are not expected from AUTH/SELECT/PING. */
const MAX_BUFFER = 1024 * 1024;

/** Accumulates bytes and hands out complete replies. */
export class RespReader {
  private buffer = Buffer.alloc(0);

  /** Adds received bytes. */
  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_BUFFER) throw new RespProtocolError("reply too large for a health check");
  }

  /** The next complete reply, or `undefined` when more bytes are needed. */
  next(): RespReply | undefined {
    const parsed = parseAt(this.buffer, 0);
    if (parsed === undefined) return undefined;
    this.buffer = this.buffer.subarray(parsed.end);
    return parsed.reply;
  }
}

function parseAt(buf: Buffer, start: number): { reply: RespReply; end: number } | undefined {
  const lineEnd = buf.indexOf("\r\n", start);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buf[start]);
  const line = buf.toString("utf8", start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (kind) {
    case "+":
      return { reply: { type: "simple", value: line }, end: next };
    case "-":
      return { reply: { type: "error", value: line }, end: next };
    case ":":
      return { reply: { type: "integer", value: toInt(line) }, end: next };
    case "$": {
      const len = toInt(line);
      if (len < 0) return { reply: { type: "bulk", value: null }, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { reply: { type: "bulk", value: buf.toString("utf8", next, next + len) }, end: next + len + 2 };
    }
    case "*": {
      const count = toInt(line);
      if (count < 0) return { reply: { type: "array", value: null }, end: next };
      const items: RespReply[] = [];
      let pos = next;
      for (let i = 0; i < count; i++) {
        const item = parseAt(buf, pos);
        if (item === undefined) return undefined;
        items.push(item.reply);
        pos = item.end;
      }
      return { reply: { type: "array", value: items }, end: pos };
    }
    default:
      throw new RespProtocolError(`not a Redis reply (starts with byte 0x${buf[start].toString(16).padStart(2, "0")})`);
  }
}

function toInt(text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new RespProtocolError(`bad length or integer "${text.slice(0, 20)}"`);
  return Number(text);
}
