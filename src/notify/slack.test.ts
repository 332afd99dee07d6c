import { describe, expect, it } from "vitest";
import { sampleIncident } from "../../test/fakes/notify-receivers.js";
import { incidentNoticeView } from "./notice.js";
import { SLACK_LIMITS, escapeMrkdwn, mrkdwn, readSlackApi, slackMessage } from "./slack.js";

function hostileView() {
  const base = sampleIncident({
    alertname: "Oops <!channel> <@U0123> & <https://evil.example|click>",
  });
  return incidentNoticeView(
    {
      ...base,
      diagnosis: {
        ...base.diagnosis!,
        summary: `@here ${"x".repeat(5_000)} <!everyone>`,
        findings: [
          { ...base.diagnosis!.findings[0]!, evidence: ["log: <!subteam^S1> ping @channel", "ok & fine"] },
        ],
      },
    },
    "https://aiops.example.com",
  );
}

const texts = (value: unknown): string[] => {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o.text === "string" && o.type === "mrkdwn") out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return out;
};

describe("escapeMrkdwn", () => {
  it("escapes &, < and > so no mention, link or channel ping can be formed", () => {
    expect(escapeMrkdwn("<!channel> <@U1> a&b <http://x|y>")).toBe(
      "&lt;!channel&gt; &lt;@U1&gt; a&amp;b &lt;http://x|y&gt;",
    );
    expect(escapeMrkdwn("@here and @Channel")).not.toMatch(/@(here|channel)/i);
  });
  it("cuts after escaping without leaving half an entity", () => {
    const cut = mrkdwn(`${"a".repeat(8)}<<<<`, 11);
    expect([...cut].length).toBeLessThanOrEqual(11);
    expect(cut).toMatch(/…$/);
    expect(cut).not.toMatch(/&[a-z]*…$/);
  });
});

describe("slackMessage", () => {
  it("never carries raw < or a bare mention from untrusted text, in blocks or fallback", () => {
    const message = slackMessage(hostileView());
    for (const t of [...texts(message.blocks), message.text]) {
      expect(t).not.toMatch(/<[!@#]/);
      expect(t).not.toMatch(/(^|[^\u2060])@(here|channel|everyone)/i);
    }
    // mrkdwn texts are verbatim: Slack does not auto-link names or mentions in them.
    const sections = message.blocks.filter((b) => b.type === "section");
    expect(sections.every((s) => (s.text ?? s.fields?.[0])?.type === "mrkdwn")).toBe(true);
  });

  it("keeps every text within Block Kit's limits", () => {
    const view = hostileView();
    view.title = "T".repeat(400);
    view.subject = "S".repeat(5_000);
    const message = slackMessage(view);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const header = message.blocks[0];
    expect(header?.type).toBe("header");
    if (header?.type === "header") expect([...header.text.text].length).toBeLessThanOrEqual(150);
    for (const block of message.blocks) {
      if (block.type === "section") {
        if (block.text) expect([...block.text.text].length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        for (const f of block.fields ?? [])
          expect([...f.text].length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
        expect((block.fields ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      }
    }
    expect([...message.text].length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
  });

  it("has the diagnosis, the key evidence and buttons to the console and the pull request", () => {
    const base = sampleIncident();
    const view = incidentNoticeView(
      {
        ...base,
        proposal: {
          mode: "propose",
          state: "proposed",
          pullRequest: {
            forge: "github",
            number: 7,
            url: "https://github.com/acme/gitops/pull/7",
            state: "open",
          },
          updatedAt: base.updatedAt,
        },
      },
      "https://aiops.example.com",
    );
    const message = slackMessage(view);
    const all = texts(message.blocks).join("\n");
    expect(all).toContain("*Diagnosis*\nContainer app was OOM killed");
    expect(all).toContain("• container app last terminated: OOMKilled, exit 137");
    const actions = message.blocks.find((b) => b.type === "actions");
    expect(actions?.type === "actions" && actions.elements.map((e) => e.url)).toEqual([
      "https://aiops.example.com/#/incidents/inc-20260301-0001",
      "https://github.com/acme/gitops/pull/7",
    ]);
  });
});

describe("readSlackApi", () => {
  const answer = (status: number, body: unknown) => ({
    status,
    headers: new Headers(),
    text: JSON.stringify(body),
  });
  it("treats ok:false as failure, permanent unless Slack says it is transient", () => {
    expect(readSlackApi(answer(200, { ok: true, channel: "C1", ts: "1.2" }))).toEqual({
      ok: true,
      value: { channel: "C1", ts: "1.2" },
    });
    expect(readSlackApi(answer(200, { ok: false, error: "channel_not_found" }))).toMatchObject({
      ok: false,
      retryable: false,
      reason: "channel_not_found",
    });
    expect(readSlackApi(answer(200, { ok: false, error: "ratelimited" }))).toMatchObject({ retryable: true });
    expect(readSlackApi(answer(429, { ok: false, error: "ratelimited" }))).toMatchObject({ retryable: true });
    expect(readSlackApi(answer(503, "down"))).toMatchObject({ retryable: true });
  });
});
