import { looksLikeMaterial, redacted } from "../redact/redact";

/**
 * Finds the first object key that appears twice in the same object of a JSON
 * text. `JSON.parse` silently keeps the last one, so a hand-edited ledger with
 * two `"state"` fields would mean something other than what a reviewer
 * reads. Returns the key's path (`$.keys[2].state`), or `undefined`.
 *
 * Expects text that `JSON.parse` accepted. Iterative, so nesting depth is
 * bounded by memory, not the call stack.
 */
export function findDuplicateJsonKey(text: string): string | undefined {
  interface Frame {
    readonly path: string;
    readonly keys?: Set<string>; // objects only
    index: number; // arrays: the next element's index
    key?: string; // objects: the key whose value is being read
  }
  const stack: Frame[] = [];
  const childPath = (frame: Frame | undefined): string => {
    if (!frame) return "$";
    return frame.keys ? `${frame.path}${keySegment(frame.key ?? "")}` : `${frame.path}[${frame.index}]`;
  };
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "{" || ch === "[") {
      stack.push(ch === "{" ? { path: childPath(stack[stack.length - 1]), keys: new Set(), index: 0 } : { path: childPath(stack[stack.length - 1]), index: 0 });
      expectKey = ch === "{";
      i++;
    } else if (ch === "}" || ch === "]") {
      stack.pop();
      expectKey = false;
      i++;
    } else if (ch === ",") {
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
      i++;
    } else if (ch === '"') {
      const end = stringEnd(text, i);
      if (expectKey) {
        const top = stack[stack.length - 1];
        const key = JSON.parse(text.slice(i, end)) as string;
        top.key = key;
        if (top.keys?.has(key)) return childPath(top);
        top.keys?.add(key);
        expectKey = false;
      }
      i = end;
    } else {
      i++;
    }
  }
  return undefined;
}

/** The index just after the string literal that starts at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** `.name`, `["some name"]`, or `[<redacted N chars>]` for a key that may be material. */
function keySegment(key: string): string {
  if (looksLikeMaterial(key)) return `[${redacted(key)}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
