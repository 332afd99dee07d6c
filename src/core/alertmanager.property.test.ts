import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  mutatedWebhook,
  namesPath,
  nastyString,
  webhookFixtures,
} from "../../test/helpers/webhook-mutations.js";
import { labelFingerprint, parseWebhook, type NormalisedWebhook } from "./alertmanager.js";
import { InputError } from "./errors.js";

const RUNS = { numRuns: 300 };
const fixtures = webhookFixtures();

type Outcome = { ok: true; webhook: NormalisedWebhook } | { ok: false; error: InputError };

/** parseWebhook's answer; anything thrown but an InputError fails the property. */
function attempt(body: unknown): Outcome {
  try {
    return { ok: true, webhook: parseWebhook(body) };
  } catch (error) {
    if (error instanceof InputError) return { ok: false, error };
    throw error;
  }
}

function expectWellFormed(outcome: Outcome): void {
  if (outcome.ok) {
    expect(outcome.webhook.alerts.length).toBeGreaterThan(0);
    for (const alert of outcome.webhook.alerts) {
      expect(alert.fingerprint).toMatch(/\S/);
      expect(new Date(alert.startsAt).toISOString()).toBe(alert.startsAt);
    }
  } else {
    expect(outcome.error.field).toMatch(/\S/);
    const field = outcome.error.field ?? "";
    expect(outcome.error.message).toContain(field === "(body)" ? "body" : field);
  }
}

describe("parseWebhook on any input", () => {
  it("any JSON value is a webhook or an InputError naming a field", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectWellFormed(attempt(value))),
      RUNS,
    );
  });

  it("any object with arbitrary keys is a webhook or an InputError naming a field", () => {
    const anyObject = fc.dictionary(fc.oneof(fc.string(), nastyString), fc.jsonValue());
    fc.assert(
      fc.property(anyObject, (value) => expectWellFormed(attempt(value))),
      RUNS,
    );
  });

  it("a real webhook with one field changed is still a webhook, or rejected on that field", () => {
    fc.assert(
      fc.property(mutatedWebhook(fixtures), ({ path, body }) => {
        const outcome = attempt(body);
        expectWellFormed(outcome);
        if (!outcome.ok) expect(namesPath(outcome.error.field, path), outcome.error.message).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("label and annotation values with control characters, traversal and metacharacters are kept verbatim", () => {
    fc.assert(
      fc.property(nastyString, nastyString, (value, note) => {
        const body = structuredClone(fixtures[0]?.body) as { alerts: Record<string, unknown>[] };
        const alert = body.alerts[0] as Record<string, unknown>;
        alert.labels = { alertname: "X", namespace: value, pod: value };
        alert.annotations = { description: note };
        const parsed = parseWebhook(body).alerts[0];
        expect(parsed?.labels).toEqual({ alertname: "X", namespace: value, pod: value });
        expect(parsed?.annotations).toEqual({ description: note });
      }),
      RUNS,
    );
  });
});

describe("labelFingerprint", () => {
  const labelSet = fc.dictionary(fc.oneof(fc.string(), nastyString), fc.oneof(fc.string(), nastyString), {
    maxKeys: 4,
  });

  it("differs for different label sets, control characters included", () => {
    fc.assert(
      fc.property(labelSet, labelSet, (a, b) => {
        fc.pre(JSON.stringify(Object.entries(a).sort()) !== JSON.stringify(Object.entries(b).sort()));
        expect(labelFingerprint(a)).not.toBe(labelFingerprint(b));
      }),
      { numRuns: 500 },
    );
  });

  it("does not let a value holding the separators pose as two labels", () => {
    const forged = { a: "x\u0001b\u0000y" };
    const real = { a: "x", b: "y" };
    expect(labelFingerprint(forged)).not.toBe(labelFingerprint(real));
  });

  it("keeps the fingerprint of ordinary label sets (incidents stored before stay matched)", () => {
    // The encoding every derived fingerprint had so far: key NUL value SOH, keys sorted.
    const before = (labels: Record<string, string>) => {
      const hash = createHash("sha256");
      for (const key of Object.keys(labels).sort()) hash.update(`${key}\u0000${labels[key]}\u0001`);
      return hash.digest("hex").slice(0, 16);
    };
    const ordinary = fc.dictionary(fc.string(), fc.string({ unit: "grapheme" }), { maxKeys: 6 });
    fc.assert(
      fc.property(ordinary, (labels) => {
        const text = Object.entries(labels).flat().join("");
        fc.pre(!text.includes("\u0000") && !text.includes("\u0001"));
        expect(labelFingerprint(labels)).toBe(before(labels));
      }),
      RUNS,
    );
  });
});
