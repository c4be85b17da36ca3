/**
 * Every API error is application/problem+json (RFC 9457) with a stable `code` from the product's
 * one vocabulary (workflows/errors.ts), which also gives the HTTP status: activities, workflows and
 * the API speak the same codes, and no table here repeats them.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { errorCatalogue, ErrorCode, isErrorCode } from '../workflows/vocabulary';

export interface InvalidParam {
  name: string;
  reason: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  'invalid-params'?: InvalidParam[];
  [extension: string]: unknown;
}

/** Thrown by routes; rendered by the error handler. `detail` must be safe to show the caller. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? errorCatalogue[code].title);
  }
}

/** `/problems/gate-not-awaited` for GATE_NOT_AWAITED. */
export function problemType(code: ErrorCode): string {
  return `/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

export function problemBody(code: ErrorCode, detail?: string, extensions: Record<string, unknown> = {}): ProblemBody {
  const { status, title } = errorCatalogue[code];
  return { type: problemType(code), title, status, code, ...(detail ? { detail } : {}), ...extensions };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** Grpc status codes (numbers as in @grpc/grpc-js `status`). */
const grpc = { NOT_FOUND: 5, FAILED_PRECONDITION: 9, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, DEADLINE_EXCEEDED: 4 } as const;

/** Maps any error reaching a route's edge to a problem. Unknown errors become a 500 with no detail. */
export function toProblem(err: unknown): { body: ProblemBody; unexpected: boolean } {
  if (err instanceof ApiError) return { body: problemBody(err.code, err.detail, err.extensions), unexpected: false };

  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const params = err.validation.flatMap((v) => {
      const at = [where, ...v.instancePath.split('/').filter((s) => s !== '')];
      const unknownKeys = (v.params as { keys?: unknown }).keys;
      // An unknown key is reported at the key itself, not at the object holding it.
      if (v.keyword === 'unrecognized_keys' && Array.isArray(unknownKeys)) {
        return unknownKeys.map((key) => ({ name: [...at, String(key)].join('.'), reason: 'unknown field' }));
      }
      return [{ name: at.join('.'), reason: v.message ?? 'invalid' }];
    });
    return {
      body: problemBody('VALIDATION_FAILED', `${params.length} invalid field(s) in ${where}`, { 'invalid-params': params }),
      unexpected: false,
    };
  }
  if (err instanceof WorkflowNotFoundError) return { body: problemBody('ONBOARDING_NOT_FOUND'), unexpected: false };
  // A query the worker answered with a failure: the client calls every one "not registered"; a
  // nondeterminism (TMPRL1100) means the worker cannot replay the history to read the state.
  if (err instanceof QueryNotRegisteredError && /TMPRL1100|nondeterminism/i.test(err.message)) {
    return {
      body: problemBody(
        'ONBOARDING_UNREADABLE',
        "The worker cannot replay this onboarding's history to read its state (a nondeterminism); nothing is lost — ops: see its failed workflow tasks in the Temporal UI",
      ),
      unexpected: true,
    };
  }
  if (err instanceof WorkflowUpdateFailedError) {
    // The workflow refused: its failure type is a code of the same vocabulary, details its context.
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
      const details = cause.details?.[0];
      return {
        body: problemBody(cause.type, cause.message, details && typeof details === 'object' ? { context: details } : {}),
        unexpected: errorCatalogue[cause.type].status >= 500,
      };
    }
  }
  // The client wraps gRPC errors in a ServiceError (the gRPC error is its cause); updates that the
  // deadline cut off arrive as WorkflowUpdateRPCTimeoutOrCancelledError.
  const grpcError = isGrpcServiceError(err)
    ? err
    : isGrpcServiceError((err as { cause?: unknown })?.cause)
      ? (err as { cause: { code: number } }).cause
      : null;
  if (grpcError !== null) {
    if (grpcError.code === grpc.NOT_FOUND) return { body: problemBody('ONBOARDING_NOT_FOUND'), unexpected: false };
    if (grpcError.code === grpc.UNAVAILABLE || grpcError.code === grpc.DEADLINE_EXCEEDED) {
      return { body: problemBody('TEMPORAL_UNAVAILABLE', 'Temporal or its worker did not answer in time; retry later'), unexpected: false };
    }
    // The server's WorkflowNotReady: the workflow task that carried the update failed or timed out
    // (a worker died mid-task). Nothing was applied; the same request (same Idempotency-Key) can be sent again.
    // A query meets the same while the onboarding's last task failed ("Cannot query workflow due to Workflow
    // Task in failed state", a worker stopped mid-task): the next worker retries the task, the read then answers.
    const details = (grpcError as { details?: unknown }).details;
    if (
      grpcError.code === grpc.FAILED_PRECONDITION &&
      typeof details === 'string' &&
      /workflow task failure|workflow task in failed state/i.test(details)
    ) {
      return {
        body: problemBody(
          'TEMPORAL_UNAVAILABLE',
          'The onboarding could not take the request just now (its worker stopped mid-task); retry',
        ),
        unexpected: false,
      };
    }
    // Too many updates in flight for the workflow or namespace: back off.
    if (grpcError.code === grpc.RESOURCE_EXHAUSTED) {
      return {
        body: problemBody('RATE_LIMITED', 'Temporal has too many requests in flight for this onboarding; retry later'),
        unexpected: false,
      };
    }
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return {
      body: problemBody('TEMPORAL_UNAVAILABLE', 'The onboarding did not take the request in time (no worker?); retry later'),
      unexpected: false,
    };
  }
  const fastifyCode = (err as Partial<FastifyError>)?.code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { body: problemBody('PAYLOAD_TOO_LARGE'), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { body: problemBody('UNSUPPORTED_MEDIA_TYPE', 'Send application/json'), unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { body: problemBody('MALFORMED_JSON', 'The body is empty'), unexpected: false };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { body: problemBody('MALFORMED_JSON', (err as Error).message), unexpected: false };
    default:
      break;
  }
  if (err instanceof SyntaxError && (err as Partial<FastifyError>).statusCode === 400) {
    return { body: problemBody('MALFORMED_JSON', err.message), unexpected: false };
  }
  return { body: problemBody('INTERNAL_ERROR'), unexpected: true };
}

/** What a 503 tells the caller to wait before retrying. */
const retryAfterSeconds = 5;

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { body, unexpected } = toProblem(err);
  if (unexpected) request.log.error({ err }, 'request failed');
  else request.log.info({ code: body.code }, 'request refused');
  if (body.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
  if (errorCatalogue[body.code].retryable && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfterSeconds));
  return sendProblem(reply, { ...body, instance: request.url });
}
