import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { InputError } from "../../core/errors.js";
import { keyNames } from "../../core/parse-body.js";
import type { DeadLetter } from "../../transport/bus.js";

export interface DeadLetterRouteOptions {
  deadLetters: (limit: number) => Promise<DeadLetter[]>;
}

const querySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** GET /api/dead-letters: messages the pipeline gave up on, newest last, each with its reason. */
export const deadLetterRoutes: FastifyPluginAsync<DeadLetterRouteOptions> = async (app, opts) => {
  app.get("/api/dead-letters", { config: { inputErrorCode: "invalid_query" } }, async (request) => {
    const parsed = querySchema.safeParse(request.query ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.code === "unrecognized_keys" ? keyNames(issue.keys) : "limit";
      throw new InputError(`invalid query parameter ${field}: ${issue?.message ?? "invalid"}`, field);
    }
    return { items: await opts.deadLetters(parsed.data.limit) };
  });
};
