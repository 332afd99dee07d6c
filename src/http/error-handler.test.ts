import { describe, expect, it } from "vitest";
import {
  AuthError,
  BackendError,
  ConfigError,
  ConflictError,
  InputError,
  NotFoundError,
} from "../core/errors.js";
import { RETRY_AFTER_SECONDS, errorResponse, statusFor } from "./error-handler.js";

/** An error shaped like Fastify's own (code FST_..., statusCode). */
function fastifyError(code: string, statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe("statusFor", () => {
  it.each([
    [new InputError("bad", "x"), 400],
    [new AuthError("who"), 401],
    [new NotFoundError("gone"), 404],
    [new ConflictError("exists"), 409],
    [new BackendError("down", "bus"), 503],
    [new BackendError("bad answer", "model", false), 503],
    [fastifyError("FST_ERR_CTP_BODY_TOO_LARGE", 413, "Request body is too large"), 413],
    [fastifyError("FST_ERR_CTP_INVALID_MEDIA_TYPE", 415, "Unsupported Media Type"), 415],
    [fastifyError("FST_ERR_CTP_EMPTY_JSON_BODY", 400, "empty"), 400],
    [fastifyError("FST_ERR_CTP_INVALID_JSON_BODY", 400, "not JSON"), 400],
    [fastifyError("FST_ERR_MAX_PARAM_LENGTH", 414, "too long"), 414],
    [fastifyError("FST_ERR_SOMETHING_INTERNAL", 500, "internal"), 500],
    [new ConfigError("bad config"), 500],
    [new Error("plain"), 500],
    [Object.assign(new Error("a library's 404"), { statusCode: 404 }), 500],
    ["a string", 500],
    [undefined, 500],
  ])("%o → %i", (error, status) => {
    expect(statusFor(error)).toBe(status);
  });
});

describe("errorResponse", () => {
  it("an InputError carries field, issues and the route's code", () => {
    const error = new InputError("invalid webhook: alerts: required", "alerts", [
      { path: "alerts", message: "required" },
    ]);
    expect(errorResponse(error).body).toEqual({
      error: "bad_request",
      message: "invalid webhook: alerts: required",
      field: "alerts",
      issues: [{ path: "alerts", message: "required" }],
    });
    expect(errorResponse(error, "invalid_webhook").body.error).toBe("invalid_webhook");
  });

  it("omits empty field and issues", () => {
    expect(errorResponse(new InputError("bad")).body).toEqual({ error: "bad_request", message: "bad" });
  });

  it("a BackendError is 503 with Retry-After and no backend detail", () => {
    const res = errorResponse(new BackendError("ECONNREFUSED 10.1.2.3:4222", "bus"));
    expect(res.status).toBe(503);
    expect(res.retryAfterSeconds).toBe(RETRY_AFTER_SECONDS);
    expect(res.body.error).toBe("unavailable");
    expect(res.body.message).not.toContain("10.1.2.3");
    expect(res.body.message).toContain("bus");
  });

  it("bad JSON names the body", () => {
    const res = errorResponse(fastifyError("FST_ERR_CTP_INVALID_JSON_BODY", 400, "Body is not valid JSON"));
    expect(res.body).toEqual({ error: "bad_request", message: "Body is not valid JSON", field: "(body)" });
  });

  it.each([
    [fastifyError("FST_ERR_CTP_BODY_TOO_LARGE", 413, "Request body is too large"), "payload_too_large"],
    [fastifyError("FST_ERR_CTP_INVALID_MEDIA_TYPE", 415, "Unsupported Media Type"), "unsupported_media_type"],
    [new AuthError("authentication required"), "unauthorized"],
    [new NotFoundError("incident x not found"), "not_found"],
    [new ConflictError("incident x exists"), "conflict"],
  ])("%o has code %s", (error, code) => {
    expect(errorResponse(error).body.error).toBe(code);
  });

  it("a 500 leaks neither message nor stack", () => {
    const res = errorResponse(new Error("password=hunter2 at /srv/app/db.ts:12"));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: "internal", message: "Internal Server Error" });
    const cfg = errorResponse(new ConfigError("token file /etc/secret missing"));
    expect(JSON.stringify(cfg.body)).not.toContain("/etc/secret");
  });
});
