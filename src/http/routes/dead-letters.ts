import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { InputError } from "../../core/errors.js";
import { keyNames, parseBody } from "../../core/parse-body.js";
import { REPLAY_WINDOW, type ReplayResult, type ReplaySelection } from "../../agents/dead-letters.js";
import type { DeadLetter } from "../../transport/bus.js";

export interface DeadLetterRouteOptions {
  deadLetters: (limit: number) => Promise<DeadLetter[]>;
  /** Serves POST /api/dead-letters/replay when given. */
  replay?: (selection: ReplaySelection) => Promise<ReplayResult>;
}

const replaySchema = z
  .strictObject({
    ids: z.array(z.string().trim().min(1).max(200)).min(1).max(REPLAY_WINDOW).optional(),
    all: z.literal(true).optional(),
  })
  .refine((body) => (body.ids === undefined) !== (body.all === undefined), {
    message: "give either ids (message ids) or all: true",
    path: ["ids"],
  });

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

  const replay = opts.replay;
  if (replay) {
    // Back to their stage once the cause is mended; 200 with what was replayed, not found or skipped.
    app.post(
      "/api/dead-letters/replay",
      { config: { inputErrorCode: "invalid_replay" } },
      async (request) => {
        const body = parseBody(replaySchema, request.body, "replay");
        return replay(body.all ? { all: true } : { ids: body.ids ?? [] });
      },
    );
  }
};
