import { STATUS_CODES } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AuthError, BackendError, ConflictError, InputError, NotFoundError } from "../core/errors.js";

/**
 * The one place where errors become HTTP answers. Routes throw the named errors of
 * core/errors.ts; Fastify's own errors (body too large, unsupported media type, bad
 * JSON) carry their status. Anything else is a 500 whose details stay in the log.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** The `error` code an InputError gets on this route, e.g. "invalid_webhook". Default "bad_request". */
    inputErrorCode?: string;
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  issues?: readonly { path: string; message: string }[];
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** Set for 503: seconds after which the client may retry. */
  retryAfterSeconds?: number;
}

export const RETRY_AFTER_SECONDS = 5;

const CODE_BY_STATUS: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  408: "request_timeout",
  409: "conflict",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  429: "too_many_requests",
  431: "headers_too_large",
  500: "internal",
  503: "unavailable",
};

/** Fastify's 400s of parsing and routing, and the part of the request each is about. */
const FIELD_OF_ERROR: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: "(body)",
  FST_ERR_CTP_INVALID_JSON_BODY: "(body)",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "(body)",
  FST_ERR_BAD_URL: "(url)",
};

interface FastifyLikeError {
  code: string;
  statusCode: number;
  message: string;
}

/** A Fastify framework error (`FST_...` code) with a client-error status. */
function fastifyClientError(error: unknown): FastifyLikeError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  if (typeof code !== "string" || !code.startsWith("FST_")) return undefined;
  if (typeof statusCode !== "number" || statusCode < 400 || statusCode > 499) return undefined;
  return { code, statusCode, message: error.message };
}

/** The HTTP status of an error. */
export function statusFor(error: unknown): number {
  if (error instanceof InputError) return 400;
  if (error instanceof AuthError) return 401;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof BackendError) return 503;
  const fst = fastifyClientError(error);
  if (fst) return fst.statusCode;
  return 500;
}

function codeFor(status: number): string {
  return CODE_BY_STATUS[status] ?? (status < 500 ? "client_error" : "internal");
}

/** The status, body and headers answering an error. `inputErrorCode` names an InputError's `error`. */
export function errorResponse(error: unknown, inputErrorCode = "bad_request"): ErrorResponse {
  const status = statusFor(error);
  if (error instanceof InputError) {
    const body: ErrorBody = { error: inputErrorCode, message: error.message };
    if (error.field !== undefined) body.field = error.field;
    if (error.issues.length > 0) body.issues = error.issues;
    return { status, body };
  }
  if (error instanceof BackendError) {
    return {
      status,
      body: { error: codeFor(status), message: `${error.backend} is unavailable; retry later` },
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof AuthError || error instanceof NotFoundError || error instanceof ConflictError) {
    return { status, body: { error: codeFor(status), message: error.message } };
  }
  const fst = fastifyClientError(error);
  if (fst) {
    const body: ErrorBody = { error: codeFor(status), message: fst.message };
    const field = FIELD_OF_ERROR[fst.code];
    if (field !== undefined) body.field = field;
    return { status, body };
  }
  return { status, body: { error: codeFor(status), message: STATUS_CODES[status] ?? "error" } };
}

function inputErrorCodeOf(request: FastifyRequest): string | undefined {
  // Framework errors (bad URL) arrive before routing, where the route config may be absent.
  const config = request.routeOptions.config as FastifyRequest["routeOptions"]["config"] | undefined;
  return config?.inputErrorCode;
}

/** The `error` code the error would be answered with on this request's route. */
export function errorCodeFor(error: unknown, request: FastifyRequest): string {
  return errorResponse(error, inputErrorCodeOf(request)).body.error;
}

/** Answers an error in the JSON shape. Also Fastify's `frameworkErrors` option (bad URL, over-long parameter). */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, retryAfterSeconds } = errorResponse(error, inputErrorCodeOf(request));
  if (status >= 500 && status !== 503) request.log.error({ err: error }, "request failed");
  else if (status === 503) request.log.warn({ err: error }, "backend unavailable");
  else request.log.info({ status, error: body.error, field: body.field }, "request rejected");
  if (retryAfterSeconds !== undefined) reply.header("retry-after", String(retryAfterSeconds));
  return reply.code(status).type("application/json; charset=utf-8").send(body);
}

/** Installs the error and not-found handlers on the root instance (children inherit them). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new NotFoundError(`no route for ${request.method} ${request.url.split("?")[0] ?? ""}`),
      request,
      reply,
    ),
  );
}
