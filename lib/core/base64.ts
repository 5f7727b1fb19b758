/**
 * Base64 exactly as Stem reads it (Dart `base64.decode`, i.e. dart:convert's
 * `Base64Decoder.convert`), plus the one encoding stemguard emits.
 *
 * What Dart accepts (checked against `sdk/lib/convert/base64.dart`):
 * - both alphabets, even mixed: `+` or `-` is 62, `/` or `_` is 63;
 * - padding `=`, or its percent-escape `%3D` / `%3d`, mixable (`AA%3D=`);
 *   padding may start only after 2 or 3 data characters of a quartet and
 *   must complete it, and nothing may follow it;
 * - unpadded input only when its length is a multiple of four;
 * - no whitespace, no other characters (non-ASCII included);
 * - the bits that padding drops must be zero (`QR==` is refused, `QQ==` is not);
 * - the empty string decodes to 0 bytes.
 */

/** Dart's FormatException messages for base64 input (the text before Dart appends the source). */
export type DartBase64Reason =
  | "Invalid character"
  | "Invalid encoding before padding"
  | "Invalid padding character"
  | "Missing padding character"
  | "Invalid length, must be multiple of four";

/**
 * Dart would throw `FormatException(reason, input, offset)`. The input is not
 * kept here: it is usually key material.
 */
export class DartBase64Error extends Error {
  constructor(
    public readonly reason: DartBase64Reason,
    /** Index of the offending character (best effort: Dart may point at a later one), or the input length. */
    public readonly offset: number,
  ) {
    super(`${reason} (at offset ${offset})`);
    this.name = "DartBase64Error";
  }
}

/** Value of each ASCII character in either alphabet; -1 for everything else. */
const SEXTET: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < 64; i++) table[std.charCodeAt(i)] = i;
  table["-".charCodeAt(0)] = 62;
  table["_".charCodeAt(0)] = 63;
  return table;
})();

const EQUALS = 0x3d;
const PERCENT = 0x25;
const THREE = 0x33;
const LOWER_D = 0x64;

/**
 * Decodes `text` as Dart's `base64.decode` does, or throws DartBase64Error
 * with the reason Dart would give.
 */
export function dartBase64Decode(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let count = 0; // data characters seen in the current quartet
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    const value = char < 128 ? SEXTET[char] : -1;
    if (value >= 0) {
      bits = (bits << 6) | value;
      count++;
      if (count === 4) {
        out.push((bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff);
        bits = 0;
        count = 0;
      }
      continue;
    }
    if ((char === EQUALS || char === PERCENT) && count >= 2) {
      if (count === 3) {
        if ((bits & 0x03) !== 0) throw new DartBase64Error("Invalid encoding before padding", i);
        out.push((bits >> 10) & 0xff, (bits >> 2) & 0xff);
      } else {
        if ((bits & 0x0f) !== 0) throw new DartBase64Error("Invalid encoding before padding", i);
        out.push((bits >> 4) & 0xff);
      }
      checkPadding(text, i, count === 2 ? 2 : 1);
      return Uint8Array.from(out);
    }
    throw new DartBase64Error("Invalid character", i);
  }
  if (count !== 0) throw new DartBase64Error("Invalid length, must be multiple of four", text.length);
  return Uint8Array.from(out);
}

/**
 * From `start`, expects exactly `units` padding units (`=` or `%3D`, `D` in
 * either case) and then the end of the input.
 */
function checkPadding(text: string, start: number, units: number): void {
  let i = start;
  for (let unit = 0; unit < units; unit++) {
    if (i === text.length) throw new DartBase64Error("Missing padding character", text.length);
    const char = text.charCodeAt(i);
    if (char === EQUALS) {
      i++;
      continue;
    }
    if (char !== PERCENT) throw new DartBase64Error("Invalid padding character", i);
    i++;
    if (i === text.length) throw new DartBase64Error("Missing padding character", text.length);
    if (text.charCodeAt(i) !== THREE) throw new DartBase64Error("Invalid padding character", i);
    i++;
    if (i === text.length) throw new DartBase64Error("Missing padding character", text.length);
    if ((text.charCodeAt(i) | 0x20) !== LOWER_D) throw new DartBase64Error("Invalid padding character", i);
    i++;
  }
  if (i !== text.length) throw new DartBase64Error("Invalid padding character", i);
}

/** Standard alphabet, padded: what stemguard emits and what Stem's own generator prints. */
export function encodeBase64Std(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Whether `text` is exactly the standard padded encoding of some bytes (the only form stemguard accepts). */
export function isCanonicalBase64Std(text: string): boolean {
  try {
    return encodeBase64Std(dartBase64Decode(text)) === text;
  } catch (err) {
    if (err instanceof DartBase64Error) return false;
    throw err;
  }
}
