import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { ConfigError } from "../../core/errors.js";
import { isRetryableStatus, parseRetryAfter } from "../../core/http-status.js";
import { isRecord } from "../../core/json.js";
import { Semaphore } from "../../core/semaphore.js";

/**
 * Read-only GETs against the Kubernetes API through @kubernetes/client-node: the library
 * loads the kubeconfig (or the in-cluster service account), authenticates each request
 * (tokens, client certificates, exec and OIDC plugins) and sends it with its own HTTP
 * library. The response is kept as the API's JSON: the generated typed clients turn
 * timestamps into Date objects and drop fields their models do not know, and the evidence
 * extractor reads the API's JSON as it is.
 *
 * Failures are values, never exceptions: a call answers `{ ok: false, status, reason }`.
 * 408, 425, 429 (honouring Retry-After) and 5xx are retried with exponential backoff while the
 * budget's deadline allows; every attempt has its own timeout; at most `concurrency`
 * requests are in flight.
 */

/** Where the cluster's address and credentials come from. */
export interface KubeConfigSource {
  /** A kubeconfig file. Without it (and without `inCluster`) the library's default loading rules apply. */
  kubeconfigPath?: string;
  /** The pod's service account (KUBERNETES_SERVICE_HOST and the mounted token). */
  inCluster?: boolean;
  /** A context of the kubeconfig other than its current-context. */
  contextName?: string;
}

/**
 * Loads a KubeConfig: the pod's service account, a file, or the library's default rules
 * ($KUBECONFIG, ~/.kube/config, then in-cluster). Throws ConfigError when the context does
 * not exist or names no cluster.
 */
export function loadKubeConfig(source: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (source.inCluster) kc.loadFromCluster();
    else if (source.kubeconfigPath) kc.loadFromFile(source.kubeconfigPath);
    else kc.loadFromDefault();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`cannot load the Kubernetes configuration: ${reason}`, { cause: error });
  }
  if (source.contextName) {
    if (!kc.getContexts().some((c) => c.name === source.contextName)) {
      throw new ConfigError(`the kubeconfig has no context named ${source.contextName}`);
    }
    kc.setCurrentContext(source.contextName);
  }
  if (!kc.getCurrentCluster()?.server) {
    throw new ConfigError("the Kubernetes configuration names no cluster server");
  }
  return kc;
}

export interface KubeApiOptions {
  /** Timeout of one attempt of one request. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Further attempts after a 429, a 5xx or a connection error. Default 3. */
  retries?: number;
  /** First backoff; doubled on each retry, with jitter. Default 200 ms. */
  backoffMs?: number;
  /** Longest wait before a retry, also for Retry-After. Default 5000 ms. */
  maxBackoffMs?: number;
}

/** The time a gathering may take: requests stop when the signal aborts, retries are not started past the deadline. */
export interface Budget {
  signal: AbortSignal;
  /** Epoch milliseconds. */
  deadline: number;
}

/** A path segment URL parsing would resolve away: `.`, `..`, also percent-encoded. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

export type KubeFailure = {
  ok: false;
  /** The HTTP status, absent when no response came. */
  status?: number;
  /** The Status reason (NotFound, Forbidden, ...) or Timeout, Aborted, ConnectionError. */
  reason: string;
  message: string;
};
export type KubeResult<T> = { ok: true; body: T } | KubeFailure;

export interface GetOptions {
  query?: Record<string, string | number | boolean | undefined>;
  accept?: string;
}

type Attempt =
  | { kind: "response"; status: number; headers: Record<string, string>; text: string }
  | { kind: "error"; reason: "Timeout" | "Aborted" | "ConnectionError"; message: string };

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The failure a non-2xx answer means, from its Status body when it has one. */
function failureOf(status: number, text: string): KubeFailure {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && body.kind === "Status") {
    return {
      ok: false,
      status,
      reason: typeof body.reason === "string" && body.reason ? body.reason : String(status),
      message: typeof body.message === "string" ? body.message : text.slice(0, 300),
    };
  }
  return { ok: false, status, reason: String(status), message: text.slice(0, 300) };
}

export class KubeApi {
  readonly server: string;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly limiter: Semaphore;
  private readonly requestTimeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly kc: KubeConfig,
    options: KubeApiOptions = {},
  ) {
    this.server = (kc.getCurrentCluster()?.server ?? "").replace(/\/+$/, "");
    this.limiter = new Semaphore(Math.max(1, options.concurrency ?? 8));
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.retries = Math.max(0, options.retries ?? 3);
    this.backoffMs = options.backoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
  }

  /** GET a JSON document (an object, a List, a discovery document). */
  async getJson(path: string, budget: Budget, options: GetOptions = {}): Promise<KubeResult<unknown>> {
    const result = await this.get(path, budget, { accept: "application/json", ...options });
    if (!result.ok) return result;
    try {
      return { ok: true, body: JSON.parse(result.body) as unknown };
    } catch {
      return {
        ok: false,
        reason: "InvalidResponse",
        message: `${path} answered with a body that is not JSON`,
      };
    }
  }

  /** GET a text document (a container log). */
  async getText(path: string, budget: Budget, options: GetOptions = {}): Promise<KubeResult<string>> {
    return this.get(path, budget, { accept: "text/plain, */*", ...options });
  }

  private async get(path: string, budget: Budget, options: GetOptions): Promise<KubeResult<string>> {
    // URL parsing resolves `.` and `..` segments: a label value `..` as a namespace would
    // turn /api/v1/namespaces/../pods into the pods of every namespace.
    const dotted = path.split("/").find((segment) => DOT_SEGMENT.test(segment));
    if (dotted !== undefined) {
      return {
        ok: false,
        status: 400,
        reason: "BadRequest",
        message: `${JSON.stringify(decodeURIComponent(dotted))} is not a name`,
      };
    }
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    for (let attempt = 0; ; attempt++) {
      const answer = await this.attempt(url.toString(), options.accept ?? "application/json", budget.signal);
      let failure: KubeFailure;
      let wait: number | undefined;
      if (answer.kind === "response") {
        if (answer.status >= 200 && answer.status < 300) return { ok: true, body: answer.text };
        failure = failureOf(answer.status, answer.text);
        if (!isRetryableStatus(answer.status)) return failure;
        wait = parseRetryAfter(answer.headers["retry-after"]);
      } else {
        failure = { ok: false, reason: answer.reason, message: answer.message };
        if (answer.reason !== "ConnectionError") return failure;
      }
      if (attempt >= this.retries) return failure;
      const backoff = this.backoffMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
      const delay = Math.min(this.maxBackoffMs, wait ?? backoff);
      if (Date.now() + delay >= budget.deadline) return failure;
      if (!(await sleep(delay, budget.signal))) return failure;
    }
  }

  private async attempt(url: string, accept: string, signal: AbortSignal): Promise<Attempt> {
    if (!(await this.limiter.acquire(signal))) {
      return {
        kind: "error",
        reason: "Aborted",
        message: "the deadline was reached before the request was sent",
      };
    }
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    try {
      const context = new RequestContext(url, HttpMethod.GET);
      await this.kc.applySecurityAuthentication(context);
      context.setHeaderParam("Accept", accept);
      context.setSignal(AbortSignal.any([signal, timeout]));
      const response = await this.http.send(context).toPromise();
      const text = await response.body.text();
      return { kind: "response", status: response.httpStatusCode, headers: response.headers, text };
    } catch (error) {
      if (timeout.aborted && !signal.aborted) {
        return { kind: "error", reason: "Timeout", message: `no answer within ${this.requestTimeoutMs} ms` };
      }
      if (signal.aborted) {
        return { kind: "error", reason: "Aborted", message: "the deadline was reached during the request" };
      }
      const message = error instanceof Error ? error.message : String(error);
      return { kind: "error", reason: "ConnectionError", message };
    } finally {
      this.limiter.release();
    }
  }
}
