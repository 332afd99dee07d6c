/**
 * A fake Loki following the documented query_range API (GET /loki/api/v1/query_range with
 * query, start, end in nanoseconds, limit, direction): stream selectors with `=` matchers,
 * time range, limit and direction honoured; `streams` results with [ns, line] values;
 * 400 with a plain-text parse error for a selector it cannot parse, as Loki answers; 401
 * "no org id" when a tenant is required and missing.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LokiStream {
  labels: Record<string, string>;
  /** [time, line] with the time as a Date. */
  entries: [Date, string][];
}

export interface FakeLoki {
  readonly url: string;
  readonly queries: { query: string; tenant?: string; limit: number; direction: string }[];
  push(stream: LokiStream): void;
  close(): Promise<void>;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/;

function parseSelector(query: string): Record<string, string> | undefined {
  const m = /^\s*\{(.*)\}\s*$/s.exec(query);
  if (!m?.[1]) return undefined;
  const out: Record<string, string> = {};
  // Split on commas outside quotes.
  const parts = m[1].match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  for (const part of parts) {
    const matcher = MATCHER.exec(part);
    if (!matcher?.[1]) return undefined;
    out[matcher[1]] = JSON.parse(`"${matcher[2] ?? ""}"`) as string;
  }
  return out;
}

export async function startFakeLoki(options: { requireTenant?: string } = {}): Promise<FakeLoki> {
  const streams: LokiStream[] = [];
  const queries: FakeLoki["queries"] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://loki");
    if (url.pathname === "/loki/api/v1/labels" && req.method === "GET") {
      const names = [...new Set(streams.flatMap((s) => Object.keys(s.labels)))].sort();
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "success", data: names }));
      return;
    }
    if (url.pathname !== "/loki/api/v1/query_range" || req.method !== "GET") {
      res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n");
      return;
    }
    const tenant = req.headers["x-scope-orgid"] as string | undefined;
    if (options.requireTenant && tenant !== options.requireTenant) {
      res.writeHead(401, { "content-type": "text/plain" }).end("no org id\n");
      return;
    }
    const query = url.searchParams.get("query") ?? "";
    const limit = Number(url.searchParams.get("limit") ?? "100");
    const direction = url.searchParams.get("direction") ?? "backward";
    queries.push({ query, ...(tenant ? { tenant } : {}), limit, direction });
    const selector = parseSelector(query);
    if (!selector) {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end(`parse error : syntax error: unexpected input in ${query}\n`);
      return;
    }
    const start = BigInt(url.searchParams.get("start") ?? "0");
    const end = BigInt(url.searchParams.get("end") ?? `${BigInt(Date.now()) * 1_000_000n}`);
    // Entries across streams, newest first for backward, then cut at the limit as Loki does.
    const hits: { stream: Record<string, string>; ns: bigint; line: string }[] = [];
    for (const s of streams) {
      if (!Object.entries(selector).every(([k, v]) => s.labels[k] === v)) continue;
      for (const [time, line] of s.entries) {
        const ns = BigInt(time.getTime()) * 1_000_000n;
        if (ns >= start && ns <= end) hits.push({ stream: s.labels, ns, line });
      }
    }
    hits.sort((a, b) => (a.ns === b.ns ? 0 : a.ns < b.ns === (direction === "forward") ? -1 : 1));
    const kept = hits.slice(0, limit);
    const grouped = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
    for (const h of kept) {
      const key = JSON.stringify(h.stream);
      const g = grouped.get(key) ?? { stream: h.stream, values: [] };
      g.values.push([h.ns.toString(), h.line]);
      grouped.set(key, g);
    }
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        status: "success",
        data: { resultType: "streams", result: [...grouped.values()], stats: {} },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    push: (stream) => void streams.push(stream),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
