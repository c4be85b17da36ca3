/**
 * Every API error is application/problem+json (RFC 9457) with a stable `code`; this table is the
 * one place codes meet HTTP statuses.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, isGrpcServiceError } from '@temporalio/client';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { workflowFailureTypes } from '../workflows/messages';

export const problemTable = {
  'validation-failed': { status: 400, title: 'The request is invalid' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  'route-not-found': { status: 404, title: 'No such route' },
  'onboarding-not-found': { status: 404, title: 'No onboarding for this participant' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'onboarding-conflict': {
    status: 409,
    title: 'An onboarding for this participant already exists with different details',
  },
  'gate-not-awaited': { status: 409, title: 'The onboarding is not waiting for this decision' },
  'onboarding-closed': { status: 409, title: 'The onboarding has already ended' },
  'payload-too-large': { status: 413, title: 'The body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'decision-invalid': { status: 422, title: 'The decision was refused by the workflow' },
  'temporal-unavailable': { status: 503, title: 'The workflow service is unavailable' },
  'ca-unavailable': { status: 503, title: 'The hub CA is not available' },
  'internal-error': { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemTable;

export interface InvalidParam {
  name: string;
  reason: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  instance?: string;
  'invalid-params'?: InvalidParam[];
  [extension: string]: unknown;
}

/** Thrown by routes; rendered by the error handler. `detail` must be safe to show the caller. */
export class ApiError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? problemTable[code].title);
  }
}

export function problemType(code: ProblemCode): string {
  return `/problems/${code}`;
}

export function problemBody(code: ProblemCode, detail?: string, extensions: Record<string, unknown> = {}): ProblemBody {
  const { status, title } = problemTable[code];
  return { type: problemType(code), title, status, code, ...(detail ? { detail } : {}), ...extensions };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

const updateRefusals: Record<string, ProblemCode> = {
  [workflowFailureTypes.gateNotAwaited]: 'gate-not-awaited',
  [workflowFailureTypes.decisionInvalid]: 'decision-invalid',
};

/** Grpc status codes (numbers as in @grpc/grpc-js `status`). */
const grpc = { NOT_FOUND: 5, FAILED_PRECONDITION: 9, UNAVAILABLE: 14, DEADLINE_EXCEEDED: 4 } as const;

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
      body: problemBody('validation-failed', `${params.length} invalid field(s) in ${where}`, { 'invalid-params': params }),
      unexpected: false,
    };
  }
  if (err instanceof WorkflowNotFoundError) return { body: problemBody('onboarding-not-found'), unexpected: false };
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type && updateRefusals[cause.type]) {
      const details = cause.details?.[0];
      return {
        body: problemBody(updateRefusals[cause.type] as ProblemCode, cause.message, {
          reason: cause.type,
          ...(details && typeof details === 'object' ? { context: details } : {}),
        }),
        unexpected: false,
      };
    }
  }
  if (isGrpcServiceError(err)) {
    if (err.code === grpc.NOT_FOUND) return { body: problemBody('onboarding-not-found'), unexpected: false };
    if (err.code === grpc.UNAVAILABLE || err.code === grpc.DEADLINE_EXCEEDED) {
      return { body: problemBody('temporal-unavailable', 'Temporal did not answer; retry later'), unexpected: true };
    }
  }
  const fastifyCode = (err as Partial<FastifyError>)?.code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { body: problemBody('payload-too-large'), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { body: problemBody('unsupported-media-type', 'Send application/json'), unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { body: problemBody('malformed-json', 'The body is empty'), unexpected: false };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { body: problemBody('malformed-json', (err as Error).message), unexpected: false };
    default:
      break;
  }
  if (err instanceof SyntaxError && (err as Partial<FastifyError>).statusCode === 400) {
    return { body: problemBody('malformed-json', err.message), unexpected: false };
  }
  return { body: problemBody('internal-error'), unexpected: true };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { body, unexpected } = toProblem(err);
  if (unexpected) request.log.error({ err }, 'request failed');
  else request.log.info({ code: body.code }, 'request refused');
  return sendProblem(reply, { ...body, instance: request.url });
}
