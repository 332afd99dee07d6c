/** What people said about the diagnosis, and a form to confirm or correct it. */
import { useState } from "preact/hooks";
import type { Incident } from "../../../src/core/incident.js";
import type { Api } from "../api/client.js";
import { messageOf } from "../api/errors.js";
import { ACTIONS, CATEGORIES, humanize, type Action, type Category } from "../lib/vocabulary.js";
import { ByAndNote, Section, Time } from "./common.js";

export function FeedbackSection(props: { api: Api; incident: Incident; onChange: () => void }) {
  const { api, incident } = props;
  const [verdict, setVerdict] = useState<"confirm" | "correct">("confirm");
  const [category, setCategory] = useState<Category | "">("");
  const [action, setAction] = useState<Action | "">("");
  const [note, setNote] = useState("");
  const [by, setBy] = useState("");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ text: string; error: boolean }>();
  const given = incident.feedback ?? [];

  const submit = async (): Promise<void> => {
    if (verdict === "correct" && !category && !action) {
      setStatus({ text: "A correction names the right category or action.", error: true });
      return;
    }
    setBusy(true);
    try {
      await api.feedback(incident.id, {
        verdict,
        ...(verdict === "correct" && category ? { category } : {}),
        ...(verdict === "correct" && action ? { action } : {}),
        note,
        by,
      });
      setStatus({
        text: verdict === "confirm" ? "Thanks: diagnosis confirmed." : "Thanks: correction recorded.",
        error: false,
      });
      setNote("");
      props.onChange();
    } catch (err) {
      setStatus({ text: messageOf(err), error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section id="feedback" title="Feedback">
      {given.length > 0 && (
        <ol class="plain feedback-list">
          {given.map((feedback, index) => (
            <li key={`${feedback.at}-${index}`}>
              <Time iso={feedback.at} absolute />{" "}
              <strong>{feedback.verdict === "confirm" ? "Confirmed" : "Corrected"}</strong>
              {feedback.by ? ` by ${feedback.by}` : ""}
              {feedback.category ? `; category ${humanize(feedback.category)}` : ""}
              {feedback.action ? `; action ${humanize(feedback.action)}` : ""}
              {feedback.note ? ` — ${feedback.note}` : ""}
            </li>
          ))}
        </ol>
      )}
      <form
        class="feedback"
        aria-label="Give feedback on the diagnosis"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <fieldset>
          <legend>Was the diagnosis right?</legend>
          <label class="choice">
            <input
              type="radio"
              name="verdict"
              value="confirm"
              checked={verdict === "confirm"}
              onChange={() => setVerdict("confirm")}
            />{" "}
            Yes, confirm it
          </label>
          <label class="choice">
            <input
              type="radio"
              name="verdict"
              value="correct"
              checked={verdict === "correct"}
              onChange={() => setVerdict("correct")}
            />{" "}
            No, correct it
          </label>
        </fieldset>
        {verdict === "correct" && (
          <div class="row">
            <div class="field">
              <label for="feedback-category">Right category</label>
              <select
                id="feedback-category"
                value={category}
                onChange={(e) => setCategory(e.currentTarget.value as Category | "")}
              >
                <option value="">(unchanged)</option>
                {CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {humanize(c)}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="feedback-action">Right action</label>
              <select
                id="feedback-action"
                value={action}
                onChange={(e) => setAction(e.currentTarget.value as Action | "")}
              >
                <option value="">(unchanged)</option>
                {ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {humanize(a)}
                  </option>
                ))}
              </select>
            </div>
          </div>
        )}
        <ByAndNote idPrefix="feedback" by={by} note={note} onBy={setBy} onNote={setNote} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            Send feedback
          </button>
        </div>
        <p class={status?.error ? "status error" : "status"} role="status">
          {status?.text ?? ""}
        </p>
      </form>
    </Section>
  );
}
