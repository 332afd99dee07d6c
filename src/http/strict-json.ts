import type { FastifyInstance } from "fastify";
import { InputError } from "../core/errors.js";
import { isRecord } from "../core/json.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Replaces the scope's application/json parser with one that refuses a body that is not
 * valid UTF-8 (400 on `(body)`). Fastify's own parser decodes leniently: invalid bytes
 * would become U+FFFD in label values and change the fingerprint derived from them.
 * Parsing is Fastify's own after that (`__proto__` and `constructor.prototype` refused);
 * such a refusal names where the key is, like any other bad field.
 */
export function useStrictJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new InputError("the body is not valid UTF-8", "(body)"), undefined);
      return;
    }
    void parseJson(request, text, (error, value) => {
      const field = error ? forbiddenKeyPath(text) : undefined;
      if (field)
        done(new InputError(`${field}: a key that could change object prototypes`, field), undefined);
      else done(error, value);
    });
  });
}

/**
 * Where the first `__proto__`, or `constructor` holding `prototype`, sits in a body that
 * is valid JSON (`receiver.__proto__`, `alerts[0].labels.constructor`); undefined when the
 * body is not JSON at all or holds no such key.
 */
export function forbiddenKeyPath(text: string): string | undefined {
  let value: unknown;
  try {
    // Plain JSON.parse makes `__proto__` an own property: safe to walk, never merged.
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const walk = (node: unknown, path: string): string | undefined => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) {
        const found = walk(item, `${path}[${i}]`);
        if (found) return found;
      }
      return undefined;
    }
    if (!isRecord(node)) return undefined;
    for (const key of Object.keys(node)) {
      const at = path ? `${path}.${key}` : key;
      if (key === "__proto__" || (key === "constructor" && isRecord(node[key]) && "prototype" in node[key]))
        return at;
      const found = walk(node[key], at);
      if (found) return found;
    }
    return undefined;
  };
  return walk(value, "");
}
