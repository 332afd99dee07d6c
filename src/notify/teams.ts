/**
 * Microsoft Teams through a Workflows webhook (Power Automate, "When a Teams webhook
 * request is received" / "Post to a channel when a webhook request is received"): POST
 * a `message` with one Adaptive Card attachment; the flow answers 202 Accepted. The flow
 * posts a new card each time, so this channel cannot edit: one card, and one follow-up
 * at resolution.
 *
 * Text from alerts and logs is untrusted. TextBlock and FactSet render Markdown, so such
 * text goes into RichTextBlock TextRuns, which render none (no injected links); only our
 * own labels use TextBlock. Teams refuses messages above 28 KB: the card is kept under
 * MAX_CARD_BYTES by dropping evidence, then cutting the summary.
 */
import { type NotificationChannel, type PostOnlyWebhookOptions, postOnlyWebhookChannel } from "./channel.js";
import { type IncidentNoticeView, noticeFacts, truncate } from "./notice.js";

/** Well under Teams' 28 KB message limit, leaving room for the flow's envelope. */
export const MAX_CARD_BYTES = 24_000;

type Element = Record<string, unknown>;

const run = (text: string, extra: Element = {}): Element => ({ type: "TextRun", text, ...extra });
const rich = (inlines: Element[], extra: Element = {}): Element => ({
  type: "RichTextBlock",
  inlines,
  ...extra,
});
const label = (text: string): Element => ({
  type: "TextBlock",
  text,
  weight: "Bolder",
  wrap: true,
  spacing: "Medium",
});

const PHASE_COLOR = { active: "Attention", resolved: "Good", failed: "Warning" } as const;

function card(view: IncidentNoticeView, evidence: string[], summary: string | undefined): Element {
  const facts = noticeFacts(view);

  const body: Element[] = [
    rich([
      run(truncate(view.title, 200), { size: "Large", weight: "Bolder", color: PHASE_COLOR[view.phase] }),
    ]),
    ...facts.map(([name, value]) =>
      rich([run(`${name}: `, { weight: "Bolder" }), run(truncate(value, 500))]),
    ),
  ];
  if (summary) body.push(label("Diagnosis"), rich([run(summary)]));
  if (view.error) body.push(label("Failed"), rich([run(view.error)]));
  if (evidence.length > 0) {
    body.push(
      label("Key evidence"),
      ...evidence.map((line) => rich([run(`• ${line}`, { fontType: "Monospace" })])),
    );
  }
  const actions: Element[] = [];
  if (view.consoleUrl)
    actions.push({ type: "Action.OpenUrl", title: "Open in console", url: view.consoleUrl });
  if (view.pullRequest) {
    actions.push({
      type: "Action.OpenUrl",
      title: `Pull request #${view.pullRequest.number}`,
      url: view.pullRequest.url,
    });
  }
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body,
          ...(actions.length > 0 ? { actions } : {}),
        },
      },
    ],
  };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

/** The Workflows message for an incident, under MAX_CARD_BYTES. */
export function teamsMessage(view: IncidentNoticeView, maxBytes = MAX_CARD_BYTES): Element {
  let evidence = [...view.evidence];
  let summary = view.summary;
  let message = card(view, evidence, summary);
  while (bytes(message) > maxBytes && evidence.length > 0) {
    evidence = evidence.slice(0, -1);
    message = card(view, evidence, summary);
  }
  while (bytes(message) > maxBytes && summary && summary.length > 100) {
    summary = truncate(summary, Math.floor(summary.length / 2));
    message = card(view, evidence, summary);
  }
  return message;
}

/** Teams through a Workflows webhook: one card, and one follow-up at resolution (no edits). */
export function createTeamsChannel(options: PostOnlyWebhookOptions): NotificationChannel {
  return postOnlyWebhookChannel("teams", options, (view) => teamsMessage(view));
}
