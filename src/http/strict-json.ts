import type { FastifyInstance } from "fastify";
import { InputError } from "../core/errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Replaces the scope's application/json parser with one that refuses a body that is not
 * valid UTF-8 (400 on `(body)`). Fastify's own parser decodes leniently: invalid bytes
 * would become U+FFFD in label values and change the fingerprint derived from them.
 * Parsing is Fastify's own after that (`__proto__` and `constructor.prototype` refused).
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
    void parseJson(request, text, done);
  });
}
