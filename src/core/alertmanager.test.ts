import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { labelFingerprint, parseWebhook } from "./alertmanager.js";

const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/alertmanager/", import.meta.url));

function fixtureFiles(): string[] {
  const files: string[] = [];
  for (const dir of [FIXTURES, `${FIXTURES}real-world/`]) {
    try {
      for (const name of readdirSync(dir)) {
        if (name.endsWith(".json") && !name.endsWith(".headers.json")) files.push(dir + name);
      }
    } catch {
      // The shared fixtures are beside the repository in development and CI.
    }
  }
  return files;
}

function minimal(): Record<string, unknown> {
  return {
    version: "4",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels: { alertname: "KubePodCrashLooping", namespace: "shop", pod: "cart-6b8f5d7c9d-wnq2n" },
        annotations: {},
        startsAt: "2026-03-14T10:40:40.705+01:00",
        endsAt: "0001-01-01T00:00:00Z",
        fingerprint: "d1df2c75ffcacb30",
      },
    ],
  };
}

function fieldOf(body: unknown): string | undefined {
  try {
    parseWebhook(body);
  } catch (error) {
    if (error instanceof InputError) return error.field;
    throw error;
  }
  return undefined;
}

describe("parseWebhook", () => {
  it("normalises timestamps to UTC and drops Alertmanager's zero endsAt", () => {
    const [alert] = parseWebhook(minimal()).alerts;
    expect(alert?.startsAt).toBe("2026-03-14T09:40:40.705Z");
    expect(alert?.endsAt).toBeUndefined();
    expect(alert?.fingerprintDerived).toBe(false);
  });

  it("derives a stable fingerprint from the labels when the sender gives none", () => {
    const body = minimal();
    const alerts = body.alerts as Record<string, unknown>[];
    delete alerts[0]?.fingerprint;
    const [alert] = parseWebhook(body).alerts;
    expect(alert?.fingerprintDerived).toBe(true);
    expect(alert?.fingerprint).toBe(
      labelFingerprint({ pod: "cart-6b8f5d7c9d-wnq2n", namespace: "shop", alertname: "KubePodCrashLooping" }),
    );
    expect(labelFingerprint({ a: "1" })).not.toBe(labelFingerprint({ a: "2" }));
  });

  it.each(["", " ", "\u2028", "\t\n"])("derives the fingerprint when the sender's is blank (%j)", (blank) => {
    const body = minimal();
    (body.alerts as Record<string, unknown>[])[0]!.fingerprint = blank;
    const [alert] = parseWebhook(body).alerts;
    expect(alert?.fingerprintDerived).toBe(true);
    expect(alert?.fingerprint).toBe(
      labelFingerprint({ pod: "cart-6b8f5d7c9d-wnq2n", namespace: "shop", alertname: "KubePodCrashLooping" }),
    );
  });

  it.each([
    ["alerts", (b: Record<string, unknown>) => delete b.alerts],
    [
      "alerts[0].status",
      (b: Record<string, unknown>) => delete (b.alerts as Record<string, unknown>[])[0]?.status,
    ],
    [
      "alerts[0].labels",
      (b: Record<string, unknown>) => delete (b.alerts as Record<string, unknown>[])[0]?.labels,
    ],
    [
      "alerts[0].startsAt",
      (b: Record<string, unknown>) => delete (b.alerts as Record<string, unknown>[])[0]?.startsAt,
    ],
  ])("names the missing required field %s", (field, mutate) => {
    const body = minimal();
    mutate(body);
    expect(fieldOf(body)).toBe(field);
  });

  it.each([
    ["alerts", { alerts: "nope" }],
    ["alerts", { alerts: [] }],
    ["alerts[0].labels.severity", { labels: { alertname: "X", severity: 3 } }],
    ["alerts[0].status", { status: "bogus" }],
    ["alerts[0].startsAt", { startsAt: "yesterday" }],
    ["truncatedAlerts", { truncatedAlerts: -1 }],
  ])("names the wrongly typed field %s", (field, change) => {
    const body = minimal();
    if ("alerts" in change || "truncatedAlerts" in change) Object.assign(body, change);
    else Object.assign((body.alerts as Record<string, unknown>[])[0] as object, change);
    expect(fieldOf(body)).toBe(field);
  });

  it("rejects a body that is not an object", () => {
    expect(fieldOf([])).toBe("(body)");
    expect(fieldOf("text")).toBe("(body)");
    expect(fieldOf(null)).toBe("(body)");
  });

  const files = fixtureFiles();
  it.skipIf(files.length === 0).each(files)("accepts what a real sender posted: %s", (file) => {
    const body: unknown = JSON.parse(readFileSync(file, "utf8"));
    const parsed = parseWebhook(body);
    expect(parsed.alerts.length).toBeGreaterThan(0);
    for (const alert of parsed.alerts) {
      expect(alert.fingerprint).toMatch(/\S/);
      expect(Number.isNaN(Date.parse(alert.startsAt))).toBe(false);
    }
  });
});
