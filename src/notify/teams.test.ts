import { describe, expect, it } from "vitest";
import { sampleIncident } from "../../test/fakes/notify-receivers.js";
import { incidentNoticeView } from "./notice.js";
import { MAX_CARD_BYTES, teamsMessage } from "./teams.js";

type Card = { type: string; attachments: { contentType: string; content: Record<string, unknown> }[] };

const blocks = (message: unknown) =>
  (message as Card).attachments[0]!.content.body as Record<string, unknown>[];

describe("teamsMessage", () => {
  it("is a Workflows message with one Adaptive Card 1.4 and an Open in console action", () => {
    const message = teamsMessage(incidentNoticeView(sampleIncident(), "https://aiops.example.com")) as Card;
    expect(message.type).toBe("message");
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({
      contentType: "application/vnd.microsoft.card.adaptive",
      contentUrl: null,
      content: {
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        version: "1.4",
        actions: [
          {
            type: "Action.OpenUrl",
            title: "Open in console",
            url: "https://aiops.example.com/#/incidents/inc-20260301-0001",
          },
        ],
      },
    });
  });

  it("puts untrusted text only in TextRuns, which render no Markdown", () => {
    const base = sampleIncident({ alertname: "[click](https://evil.example) **bold**" });
    const view = incidentNoticeView({
      ...base,
      diagnosis: { ...base.diagnosis!, summary: "[phish](https://evil.example)" },
    });
    const body = blocks(teamsMessage(view));
    const textBlocks = body.filter((b) => b.type === "TextBlock").map((b) => String(b.text));
    expect(textBlocks.join(" ")).not.toContain("evil");
    expect(JSON.stringify(body)).toContain("[phish](https://evil.example)");
  });

  it("stays under the size bound by dropping evidence and cutting the summary", () => {
    const base = sampleIncident();
    const huge = "é".repeat(2_000);
    const view = incidentNoticeView({
      ...base,
      diagnosis: {
        ...base.diagnosis!,
        summary: huge,
        findings: [{ ...base.diagnosis!.findings[0]!, evidence: [huge, huge, huge, huge, huge] }],
      },
    });
    const small = teamsMessage(view, 3_000);
    expect(Buffer.byteLength(JSON.stringify(small))).toBeLessThanOrEqual(3_000);
    expect(Buffer.byteLength(JSON.stringify(teamsMessage(view)))).toBeLessThanOrEqual(MAX_CARD_BYTES);
    expect(JSON.stringify(small)).toContain("Diagnosis");
  });
});
