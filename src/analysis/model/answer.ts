/**
 * The model's answer: its schema (zod for validation, JSON Schema for the server's
 * constrained decoding), parsing, and the repair message for an invalid answer. Pure.
 * Category and action come from the closed vocabulary; anything else is invalid.
 */
import { z } from "zod";
import { ACTIONS, CATEGORIES, type Action, type Category } from "../../core/vocabulary.js";

const id = z.string().regex(/^E\d{1,4}$/, "an evidence id such as E3");
const text = (max: number) => z.string().max(max);

/** Every field required and no others: the shape OpenAI's strict json_schema mode accepts. */
export const answerSchema = z.strictObject({
  summary: z.string().min(1).max(1200),
  category: z.enum(CATEGORIES as [Category, ...Category[]]),
  confidence: z.number().min(0).max(1),
  evidence: z.array(id).max(20),
  contradicts: z.array(id).max(20),
  action: z.enum(ACTIONS as [Action, ...Action[]]),
  params: z.array(z.strictObject({ name: text(64), value: text(200) })).max(10),
  target: z.strictObject({
    kind: text(64),
    namespace: text(253),
    name: text(253),
    container: text(253),
  }),
});
export type RawAnswer = z.infer<typeof answerSchema>;

/** The JSON Schema sent as Ollama's `format` and OpenAI's `response_format.json_schema.schema`. */
export const ANSWER_JSON_SCHEMA: Record<string, unknown> = (() => {
  const schema = z.toJSONSchema(answerSchema, { target: "draft-7" }) as Record<string, unknown>;
  delete schema["$schema"];
  return schema;
})();
export const ANSWER_SCHEMA_NAME = "incident_diagnosis";

/** The answer as the rest of the system reads it. */
export interface ModelAnswer {
  summary: string;
  category: Category;
  confidence: number;
  evidence: string[];
  contradicts: string[];
  action: Action;
  params: Record<string, string | number | boolean>;
  /** Absent when the model named none. */
  target?: { kind: string; namespace?: string; name: string; container?: string };
}

export type ParsedAnswer = { ok: true; answer: ModelAnswer } | { ok: false; problem: string };

function paramValue(v: string): string | number | boolean {
  const t = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  return t;
}

/** Models sometimes wrap JSON in a code fence even when asked not to. */
function unfence(content: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(content);
  return m?.[1] ?? content;
}

export function parseAnswer(content: string): ParsedAnswer {
  let json: unknown;
  try {
    json = JSON.parse(unfence(content));
  } catch {
    return { ok: false, problem: "the answer is not valid JSON" };
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    return { ok: false, problem: problems.join("; ") };
  }
  const a = parsed.data;
  const t = a.target;
  return {
    ok: true,
    answer: {
      summary: a.summary.trim(),
      category: a.category,
      confidence: a.confidence,
      evidence: [...new Set(a.evidence)],
      contradicts: [...new Set(a.contradicts)],
      action: a.action,
      params: Object.fromEntries(a.params.map((p) => [p.name, paramValue(p.value)])),
      ...(t.kind && t.name
        ? {
            target: {
              kind: t.kind,
              name: t.name,
              ...(t.namespace ? { namespace: t.namespace } : {}),
              ...(t.container ? { container: t.container } : {}),
            },
          }
        : {}),
    },
  };
}

/** The follow-up message of the one repair attempt. */
export function repairMessage(problem: string): string {
  return `Your answer was rejected: ${problem}. Answer again with only one JSON object that matches the schema; category and action must be values from the lists given.`;
}
