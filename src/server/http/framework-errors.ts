/**
 * Answers for failures fastify detects before any route runs (`frameworkErrors`): a request path
 * that is not valid percent-encoding, or a path parameter over the router's length limit. Without
 * this, fastify writes its own `{"error":...,"code":"FST_ERR_BAD_URL"}` without `Cache-Control`,
 * outside Vault's `{"errors":[...]}` envelope. Go's net/http (Vault) refuses such URLs with a 400 too.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ArcaError } from '../../lib/errors.js';
import { renderError } from './response-rendering.js';

/** fastify `frameworkErrors` hook: writes the Vault-shaped error for `err` (never throws). */
export function answerFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const error =
    err.code === 'FST_ERR_BAD_URL'
      ? new ArcaError('invalid_request', 'invalid percent-encoding in request path')
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ArcaError('invalid_request', 'request path too long')
        : new ArcaError('invalid_request', 'invalid request');
  const rendered = renderError(error);
  void reply
    .code(rendered.status)
    .header('content-type', rendered.contentType)
    .header('cache-control', 'no-store')
    .send(Buffer.from(rendered.body ?? ''));
}
