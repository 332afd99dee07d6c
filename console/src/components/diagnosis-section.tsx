import type { Diagnosis, ModelOpinion, SimilarIncidentRef } from "../../../src/core/diagnosis.js";
import { incidentHash } from "../lib/route.js";
import { formatDuration, percent } from "../lib/time.js";
import { humanize } from "../lib/vocabulary.js";
import { Facts, Section, Time } from "./common.js";

const DECIDED_BY: Record<string, string> = {
  analyzers: "the analyzers (rules over the evidence)",
  memory: "memory (a near-identical past incident)",
  model: "the language model",
};

export function DiagnosisSection(props: { diagnosis: Diagnosis | undefined }) {
  const diagnosis = props.diagnosis;
  if (!diagnosis) {
    return (
      <Section id="diagnosis" title="Diagnosis">
        <p>Not diagnosed yet.</p>
      </Section>
    );
  }
  return (
    <Section id="diagnosis" title="Diagnosis">
      <p class="summary">{diagnosis.summary}</p>
      <Facts
        items={[
          ["Category", <strong>{humanize(diagnosis.category)}</strong>],
          ["Confidence", <Confidence value={diagnosis.confidence} />],
          ["Decided by", DECIDED_BY[diagnosis.decidedBy] ?? diagnosis.decidedBy],
          [
            "Action chosen on the similar incident",
            diagnosis.memoryAction && humanize(diagnosis.memoryAction),
          ],
          ["Diagnosed", <Time iso={diagnosis.createdAt} absolute />],
        ]}
      />
      {(diagnosis.findings ?? []).length > 0 && (
        <>
          <h3>Findings</h3>
          <ol class="findings">
            {(diagnosis.findings ?? []).map((finding, index) => (
              <li key={`${finding.analyzer}-${index}`}>
                <p>
                  <strong>{humanize(finding.category)}</strong> {percent(finding.confidence)} —{" "}
                  {finding.summary}{" "}
                  <span class="muted">
                    ({finding.analyzer}
                    {finding.container ? `, container ${finding.container}` : ""})
                  </span>
                </p>
                {(finding.evidence ?? []).length > 0 && (
                  <ul class="evidence-lines">
                    {finding.evidence.map((line, i) => (
                      <li key={i}>
                        <code>{line}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
      {diagnosis.model && <ModelOpinionView model={diagnosis.model} />}
    </Section>
  );
}

/** A percentage with a meter: the number is always written out. */
function Confidence(props: { value: number }) {
  return (
    <span class="confidence">
      <meter min={0} max={1} value={props.value} aria-hidden="true" /> {percent(props.value)}
    </span>
  );
}

function ModelOpinionView(props: { model: ModelOpinion }) {
  const { model } = props;
  return (
    <>
      <h3>Language model opinion</h3>
      <Facts
        items={[
          ["Model", <code>{model.model}</code>],
          ["Verdict", model.verdict],
          ["Reason", model.reason],
          ["Category", model.category && humanize(model.category)],
          ["Confidence", percent(model.confidence)],
          [
            "Proposal",
            model.proposal &&
              `${humanize(model.proposal.action)} (${model.proposal.accepted ? "accepted" : `refused: ${model.proposal.problem ?? "no reason"}`})`,
          ],
          [
            "Cost",
            `${model.calls} call(s), ${model.inputTokens} in / ${model.outputTokens} out tokens, ${formatDuration(model.latencyMs)}${model.cached ? ", cached" : ""}`,
          ],
        ]}
      />
      {model.summary && <p>{model.summary}</p>}
      {(model.cited ?? []).length > 0 && (
        <>
          <h4>Cited evidence</h4>
          <ul class="evidence-lines">
            {model.cited?.map((line, i) => (
              <li key={i}>
                <code>{line}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {(model.contradicting ?? []).length > 0 && (
        <>
          <h4>Evidence against the analyzers</h4>
          <ul class="evidence-lines">
            {model.contradicting?.map((line, i) => (
              <li key={i}>
                <code>{line}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export function SimilarSection(props: { similar: SimilarIncidentRef[] | undefined }) {
  const similar = props.similar ?? [];
  return (
    <Section id="similar" title="Similar incidents">
      {similar.length === 0 ? (
        <p>No similar past incident.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Incident</th>
                <th scope="col" class="num">
                  Similarity
                </th>
                <th scope="col">Category</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {similar.map((ref) => (
                <tr key={ref.incidentId}>
                  <th scope="row">
                    <a href={incidentHash(ref.incidentId)}>{ref.incidentId}</a>
                  </th>
                  <td class="num">{percent(ref.similarity)}</td>
                  <td>{humanize(ref.category)}</td>
                  <td>{ref.action ? humanize(ref.action) : "—"}</td>
                  <td>{humanize(ref.outcome)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
