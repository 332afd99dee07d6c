import { describe, expect, it } from "vitest";
import { compact, createApi } from "./client.js";
import { ApiError, readErrorBody } from "./errors.js";

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(response: () => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fn = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return response();
  }) as typeof fetch;
  return { fetch: fn, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("createApi", () => {
  it("sends the stored credentials and the list query", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { items: [], total: 0, limit: 50, offset: 0 }));
    const api = createApi({ authorization: () => "Bearer t", onUnauthorized: () => undefined, fetch });
    await api.listIncidents({ state: "open", offset: 50 });
    const url = new URL(calls[0]?.url ?? "", "http://console/");
    expect(url.pathname).toBe("/api/incidents");
    expect(Object.fromEntries(url.searchParams)).toEqual({ state: "open", limit: "50", offset: "50" });
    const headers = new Headers(calls[0]?.init.headers);
    expect(headers.get("authorization")).toBe("Bearer t");
    expect(calls[0]?.init.credentials).toBe("omit");
  });

  it("posts a decision without blank fields", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { id: "a b", proposal: { state: "proposed" } }));
    const api = createApi({ authorization: () => undefined, onUnauthorized: () => undefined, fetch });
    await api.decide("a b", "approve", { by: " ana ", note: "  " });
    expect(calls[0]?.url).toBe("api/incidents/a%20b/approve");
    expect(calls[0]?.init.method).toBe("POST");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ by: "ana" });
    expect(new Headers(calls[0]?.init.headers).has("authorization")).toBe(false);
  });

  it("turns an error answer into an ApiError with the server's message", async () => {
    const { fetch } = fakeFetch(() =>
      json(409, { error: "conflict", message: "incident inc-1 has no proposal to decide" }),
    );
    const api = createApi({ authorization: () => undefined, onUnauthorized: () => undefined, fetch });
    const error = await api.decide("inc-1", "reject", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(409);
    expect((error as ApiError).message).toBe("incident inc-1 has no proposal to decide");
    expect((error as ApiError).code).toBe("conflict");
  });

  it("reports a 401 with the challenges offered", async () => {
    const { fetch } = fakeFetch(() =>
      json(
        401,
        { error: "unauthorized", message: "authentication required" },
        { "www-authenticate": 'Basic realm="aiops"' },
      ),
    );
    const seen: ApiError[] = [];
    const api = createApi({ authorization: () => undefined, onUnauthorized: (e) => seen.push(e), fetch });
    await expect(api.getIncident("x")).rejects.toThrow("authentication required");
    expect(seen[0]?.challenges).toEqual({ bearer: false, basic: true });
  });
});

describe("readErrorBody", () => {
  it("reads the flat and the nested shapes, and falls back to the status", () => {
    expect(
      readErrorBody(400, "Bad Request", { error: "invalid_query", message: "bad state", field: "state" }),
    ).toEqual({
      message: "bad state",
      code: "invalid_query",
      field: "state",
    });
    expect(
      readErrorBody(400, "Bad Request", { error: { code: "x", message: "nested", field: "q" } }),
    ).toEqual({
      message: "nested",
      code: "x",
      field: "q",
    });
    expect(readErrorBody(502, "Bad Gateway", "")).toEqual({ message: "502 Bad Gateway" });
    expect(readErrorBody(500, "", "upstream exploded")).toEqual({ message: "upstream exploded" });
  });
});

describe("compact", () => {
  it("drops undefined and blank strings and trims the rest", () => {
    expect(compact({ verdict: "correct", category: undefined, note: " x ", by: "" })).toEqual({
      verdict: "correct",
      note: "x",
    });
  });
});
