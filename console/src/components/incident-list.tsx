/** The incident list: filters in the hash, a page from the API, rows kept current by the live stream. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { IncidentSummary } from "../../../src/core/incident.js";
import type { Api } from "../api/client.js";
import { messageOf } from "../api/errors.js";
import { mergeSummary, type ListPage } from "../lib/list-page.js";
import { incidentHash, listHash, type ListQuery } from "../lib/route.js";
import { percent } from "../lib/time.js";
import { CATEGORIES, STATES, humanize, isCategory, isState, stateLabel } from "../lib/vocabulary.js";
import { ErrorMessage, SeverityBadge, StateBadge, Time } from "./common.js";
import { useFlash, useFocusOnMount, useNow } from "./hooks.js";

export interface IncidentListProps {
  api: Api;
  query: ListQuery;
  /** Bumped when the list must be fetched again (stream (re)connected, signed in). */
  reload: number;
  navigate: (hash: string, replace?: boolean) => void;
  subscribe: (listener: (summary: IncidentSummary) => void) => () => void;
  announce: (message: string) => void;
}

const SEARCH_DELAY_MS = 300;

type TextFilter = "namespace" | "alertname" | "q";

export function IncidentList(props: IncidentListProps) {
  const { api, query, reload, navigate, subscribe, announce } = props;
  const [page, setPage] = useState<ListPage>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const { flashing, mark } = useFlash();
  const now = useNow();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const key = listHash(query);

  // The latest values for the stream listener, which is subscribed once.
  const pageRef = useRef<ListPage | undefined>(undefined);
  const queryRef = useRef(query);
  queryRef.current = query;
  // Events that arrive while a fetch runs are applied again to its result (it may predate them).
  const pendingRef = useRef<IncidentSummary[] | undefined>(undefined);

  useEffect(() => {
    document.title = "Incidents · kube-aiops";
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    pendingRef.current = [];
    setLoading(true);
    api
      .listIncidents(query, controller.signal)
      .then((fetched) => {
        let next = fetched;
        for (const summary of pendingRef.current ?? []) next = mergeSummary(next, summary, query).page;
        pendingRef.current = undefined;
        pageRef.current = next;
        setPage(next);
        setError(undefined);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        pendingRef.current = undefined;
        setError(messageOf(err));
        setLoading(false);
      });
    return () => controller.abort();
    // `key` stands for the query's content; the query object is new on every hash change.
  }, [api, key, reload]);

  useEffect(
    () =>
      subscribe((summary) => {
        pendingRef.current?.push(summary);
        const current = pageRef.current;
        if (!current) return;
        const before = current.items.find((item) => item.id === summary.id);
        const { page: next, change } = mergeSummary(current, summary, queryRef.current);
        if (change === "ignored") return;
        pageRef.current = next;
        setPage(next);
        const where = summary.namespace ? ` in ${summary.namespace}` : "";
        if (change === "inserted") {
          mark(summary.id, "new");
          announce(`New incident: ${summary.alertname}${where}, ${stateLabel(summary.state)}.`);
        } else if (change === "updated") {
          mark(summary.id, "updated");
          if (before && before.state !== summary.state) {
            announce(`Incident ${summary.alertname}${where} is now ${stateLabel(summary.state)}.`);
          }
        }
      }),
    // Subscribed once per stream; the listener reads the current page and query from refs.
    [subscribe],
  );

  const setFilter = (patch: Partial<ListQuery>, replace = false): void =>
    navigate(listHash({ ...query, ...patch, offset: 0 }), replace);

  const namespaces = [...new Set((page?.items ?? []).map((i) => i.namespace).filter(Boolean))] as string[];

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        Incidents
      </h1>
      <form class="filters" role="search" aria-label="Filter incidents" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="filter-state">State</label>
          <select
            id="filter-state"
            value={query.state ?? ""}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setFilter({ state: isState(value) ? value : undefined });
            }}
          >
            <option value="">All states</option>
            {STATES.map((state) => (
              <option key={state} value={state}>
                {stateLabel(state)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-category">Category</label>
          <select
            id="filter-category"
            value={query.category ?? ""}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setFilter({ category: isCategory(value) ? value : undefined });
            }}
          >
            <option value="">All categories</option>
            {CATEGORIES.map((category) => (
              <option key={category} value={category}>
                {humanize(category)}
              </option>
            ))}
          </select>
        </div>
        <TextField
          id="filter-namespace"
          label="Namespace"
          value={query.namespace}
          list={namespaces}
          onCommit={(value) => setFilter({ namespace: value }, true)}
        />
        <TextField
          id="filter-alertname"
          label="Alert name"
          value={query.alertname}
          onCommit={(value) => setFilter({ alertname: value }, true)}
        />
        <TextField
          id="filter-q"
          label="Search"
          type="search"
          hint="Alert name, namespace or workload"
          value={query.q}
          onCommit={(value) => setFilter({ q: value }, true)}
        />
        {key !== "#/" && (
          <a class="button-link" href="#/">
            Clear filters
          </a>
        )}
      </form>
      <ErrorMessage message={error} />
      <IncidentTable page={page} loading={loading} flashing={flashing} now={now} filtered={key !== "#/"} />
      {page && <Pager page={page} onPage={(offset) => navigate(listHash({ ...query, offset }))} />}
    </>
  );
}

function TextField(props: {
  id: `filter-${TextFilter}`;
  label: string;
  value: string | undefined;
  onCommit: (value: string | undefined) => void;
  type?: "search" | "text";
  hint?: string;
  list?: string[];
}) {
  const { value, onCommit } = props;
  const [draft, setDraft] = useState(value ?? "");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // The hash changed from elsewhere (back button, a link): show its value.
  useEffect(() => {
    if ((value ?? "") !== draft.trim()) setDraft(value ?? "");
  }, [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const commit = (text: string): void => {
    clearTimeout(timer.current);
    const trimmed = text.trim();
    if (trimmed !== (value ?? "")) onCommit(trimmed || undefined);
  };
  const listId = props.list ? `${props.id}-options` : undefined;
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? "text"}
        value={draft}
        maxLength={253}
        autocomplete="off"
        list={listId}
        aria-describedby={hintId}
        onInput={(e) => {
          const text = e.currentTarget.value;
          setDraft(text);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(text), SEARCH_DELAY_MS);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(e.currentTarget.value);
        }}
      />
      {props.hint && (
        <small id={hintId} class="hint">
          {props.hint}
        </small>
      )}
      {listId && (
        <datalist id={listId}>
          {props.list?.map((option) => (
            <option key={option} value={option} />
          ))}
        </datalist>
      )}
    </div>
  );
}

function workloadOf(incident: IncidentSummary): string {
  const subject = incident.subject;
  if (!subject) return incident.namespace ?? "";
  return [subject.kind, subject.namespace ?? incident.namespace, subject.name].filter(Boolean).join("/");
}

function IncidentTable(props: {
  page: ListPage | undefined;
  loading: boolean;
  flashing: ReadonlyMap<string, string>;
  now: Date;
  filtered: boolean;
}) {
  const { page, loading, flashing, now } = props;
  if (!page) return loading ? <p role="status">Loading incidents…</p> : null;
  if (page.items.length === 0) {
    return (
      <p class="empty" role="status">
        {props.filtered
          ? "No incident matches these filters."
          : "No incidents yet. New ones appear here live."}
      </p>
    );
  }
  return (
    <div class="table-wrap">
      <table class="incidents" aria-busy={loading ? "true" : "false"}>
        <caption class="visually-hidden">Incidents, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">State</th>
            <th scope="col">Severity</th>
            <th scope="col">Category</th>
            <th scope="col">Workload</th>
            <th scope="col">Action</th>
            <th scope="col" class="num">
              Confidence
            </th>
            <th scope="col" class="num">
              Alerts
            </th>
            <th scope="col">Age</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((incident) => {
            const flash = flashing.get(incident.id);
            return (
              <tr
                key={incident.id}
                data-testid="incident-row"
                data-incident-id={incident.id}
                class={flash ? `flash flash-${flash}` : undefined}
              >
                <th scope="row">
                  <a href={incidentHash(incident.id)}>{incident.alertname}</a>
                  {flash && <span class="tag">{flash}</span>}
                </th>
                <td>
                  <StateBadge state={incident.state} />
                </td>
                <td>
                  <SeverityBadge severity={incident.severity} />
                </td>
                <td>{incident.category ? humanize(incident.category) : "—"}</td>
                <td class="mono">{workloadOf(incident) || "—"}</td>
                <td>{incident.action ? humanize(incident.action) : "—"}</td>
                <td class="num">{percent(incident.confidence) || "—"}</td>
                <td class="num">{incident.alertCount}</td>
                <td>
                  <Time iso={incident.openedAt} now={now} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Pager(props: { page: ListPage; onPage: (offset: number) => void }) {
  const { items, total, limit, offset } = props.page;
  if (total <= limit && offset === 0) {
    return <p class="pager-summary">{`${total} incident${total === 1 ? "" : "s"}`}</p>;
  }
  const first = items.length ? offset + 1 : 0;
  const last = offset + items.length;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => props.onPage(Math.max(offset - limit, 0))}>
        ← Previous
      </button>
      <span>
        {first}–{last} of {total}
      </span>
      <button type="button" disabled={offset + limit >= total} onClick={() => props.onPage(offset + limit)}>
        Next →
      </button>
    </nav>
  );
}
