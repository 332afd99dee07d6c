import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fnv1a } from "../../src/memory/embedders/hashing-embedder.js";

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query parameters. */
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** Controls shared by the embedding fakes. */
export interface FakeEmbeddingServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The next `times` requests answer with this status and the API's error body. */
  failNext(status: number, message?: string, times?: number): void;
  /** Every request waits this long before answering. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  body: unknown;
}

/** Starts a JSON server on a free loopback port; `handle` answers parsed requests. */
export async function startJsonServer(
  handle: (req: RecordedRequest) => Reply,
  errorBody: (status: number, message: string) => unknown,
): Promise<FakeEmbeddingServer> {
  const requests: RecordedRequest[] = [];
  const failures: { status: number; message: string }[] = [];
  let delayMs = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      let malformed = false;
      try {
        body = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        malformed = true;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: (req.url ?? "/").split("?")[0] ?? "/",
        query: new URL(req.url ?? "/", "http://fake").searchParams,
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      const failure = failures.shift();
      const reply: Reply = failure
        ? { status: failure.status, body: errorBody(failure.status, failure.message) }
        : malformed
          ? { status: 400, body: errorBody(400, "invalid JSON body") }
          : handle(recorded);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(reply.status, { "content-type": "application/json" });
        res.end(JSON.stringify(reply.body));
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, message = "injected failure", times = 1) {
      for (let i = 0; i < times; i++) failures.push({ status, message });
    },
    setDelay(ms) {
      delayMs = ms;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** A deterministic unit vector for a text: equal texts, equal vectors. */
export function fakeVector(text: string, dimension: number): number[] {
  const v: number[] = [];
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    const x = (fnv1a(`${i}:${text}`) / 0xffffffff) * 2 - 1;
    v.push(x);
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  return v.map((x) => x / norm);
}
