/** The proposed change (diff, branch, pull request) and the approve/reject decision. */
import { useState } from "preact/hooks";
import type { Incident, Proposal } from "../../../src/core/incident.js";
import type { Api, DecisionResult } from "../api/client.js";
import { messageOf } from "../api/errors.js";
import { safeHref } from "../lib/url.js";
import { diffStats, parseDiff } from "../lib/diff.js";
import { humanize } from "../lib/vocabulary.js";
import { ByAndNote, Facts, Section, Time } from "./common.js";

const MODE: Record<Proposal["mode"], string> = {
  propose: "propose (a person decides)",
  "dry-run": "dry-run (checked against the cluster, a person decides)",
  auto: "automatic apply",
};

/** A proposal waits for a person while it is proposed and nobody decided. */
function isDecidable(proposal: Proposal | undefined): boolean {
  return proposal?.state === "proposed" && proposal.decision === undefined;
}

export function ProposalSection(props: { api: Api; incident: Incident; onChange: () => void }) {
  const proposal = props.incident.proposal;
  return (
    <Section id="proposal" title="Proposed change">
      {!proposal ? (
        <p>No change proposed yet.</p>
      ) : (
        <>
          <Facts
            items={[
              ["State", <strong>{humanize(proposal.state)}</strong>],
              ["Mode", MODE[proposal.mode] ?? proposal.mode],
              ["Where", proposal.location],
              ["Branch", proposal.branch && <code>{proposal.branch}</code>],
              ["Commit", proposal.commit && <code>{proposal.commit.slice(0, 12)}</code>],
              ["Files", proposal.files?.length ? <FileList files={proposal.files} /> : undefined],
              ["Pull request", proposal.pullRequest && <PullRequestLink proposal={proposal} />],
              ["Branch deleted", proposal.branchDeleted && <Time iso={proposal.branchDeleted} absolute />],
              [
                "Dry-run",
                proposal.dryRun && `${proposal.dryRun.ok ? "passed" : "failed"}: ${proposal.dryRun.message}`,
              ],
              [
                "Apply",
                proposal.apply &&
                  `${proposal.apply.ok ? "applied" : "failed"} by ${proposal.apply.by}: ${proposal.apply.message}`,
              ],
              ["Automatic apply refused", proposal.autoRefused],
              [
                "Decision",
                proposal.decision &&
                  `${proposal.decision.verdict}${proposal.decision.by ? ` by ${proposal.decision.by}` : ""}${proposal.decision.note ? `: ${proposal.decision.note}` : ""}`,
              ],
              ["Reason", proposal.reason],
              ["Updated", <Time iso={proposal.updatedAt} absolute />],
            ]}
          />
          {proposal.diff && <DiffView diff={proposal.diff} />}
        </>
      )}
      <Decision api={props.api} incident={props.incident} onChange={props.onChange} />
    </Section>
  );
}

function FileList(props: { files: string[] }) {
  return (
    <ul class="plain">
      {props.files.map((file) => (
        <li key={file}>
          <code>{file}</code>
        </li>
      ))}
    </ul>
  );
}

function PullRequestLink(props: { proposal: Proposal }) {
  const pr = props.proposal.pullRequest;
  if (!pr) return null;
  return (
    <>
      <a href={safeHref(pr.url)} data-testid="pull-request-link" rel="noreferrer noopener" target="_blank">
        {pr.forge} pull request #{pr.number}
      </a>{" "}
      <span class={`badge pr-${pr.state}`}>{pr.state}</span>
    </>
  );
}

/** The diff with its `+`/`-` markers kept, so the colour only repeats what the text says. */
function DiffView(props: { diff: string }) {
  const lines = parseDiff(props.diff);
  const { added, removed } = diffStats(lines);
  return (
    <figure class="diff">
      <figcaption>
        Diff: {added} line{added === 1 ? "" : "s"} added, {removed} removed
      </figcaption>
      <pre class="code" tabIndex={0} aria-label="Diff of the proposed change">
        {lines.map((line, index) => (
          <span key={index} class={`diff-line diff-${line.kind}`}>
            {line.text || " "}
            {"\n"}
          </span>
        ))}
      </pre>
    </figure>
  );
}

function describeResult(verb: "approve" | "reject", result: DecisionResult): string {
  const parts = [`${verb === "approve" ? "Approved" : "Rejected"}.`];
  if (result.proposal) parts.push(`Proposal is now ${humanize(result.proposal.state)}.`);
  const pr = result.proposal?.pullRequest;
  if (pr) parts.push(`Pull request #${pr.number} is ${pr.state}.`);
  if (result.applied) parts.push(`Remediation ${result.applied.via} at ${result.applied.at}.`);
  return parts.join(" ");
}

function Decision(props: { api: Api; incident: Incident; onChange: () => void }) {
  const { api, incident } = props;
  const [by, setBy] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ text: string; error: boolean }>();
  const decidable = isDecidable(incident.proposal);

  const decide = async (verb: "approve" | "reject"): Promise<void> => {
    setBusy(true);
    setStatus({ text: verb === "approve" ? "Approving…" : "Rejecting…", error: false });
    try {
      const result = await api.decide(incident.id, verb, { by, note });
      setStatus({ text: describeResult(verb, result), error: false });
      setNote("");
      props.onChange();
    } catch (err) {
      setStatus({ text: messageOf(err), error: true });
    } finally {
      setBusy(false);
    }
  };

  const current = incident.proposal
    ? decidable
      ? "Waiting for a decision."
      : `Proposal ${humanize(incident.proposal.state)}${incident.proposal.decision ? `, ${incident.proposal.decision.verdict}` : ""}.`
    : "";

  return (
    <>
      {decidable && (
        <form
          class="decision"
          aria-labelledby="decision-title"
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <h3 id="decision-title">Decide</h3>
          <ByAndNote idPrefix="decision" by={by} note={note} onBy={setBy} onNote={setNote} />
          <div class="actions">
            <button
              type="button"
              class="primary"
              data-testid="approve"
              disabled={busy}
              onClick={() => void decide("approve")}
            >
              Approve
            </button>
            <button
              type="button"
              class="danger"
              data-testid="reject"
              disabled={busy}
              onClick={() => void decide("reject")}
            >
              Reject
            </button>
          </div>
        </form>
      )}
      <p
        class={status?.error ? "status error" : "status"}
        role="status"
        aria-live="polite"
        data-testid="proposal-status"
      >
        {status?.text ?? current}
      </p>
    </>
  );
}
