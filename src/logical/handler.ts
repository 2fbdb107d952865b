/**
 * The seam between the HTTP layer and core: the server turns each `/v1/*` call into a
 * `LogicalRequest`, calls `handleRequest`, and renders the `LogicalResponse` (Vault envelope, raw
 * body, or 204). Failures are thrown as `ArcaError` and mapped to `{"errors":[...]}` in one place.
 */
import type { LogicalRequest } from './request.js';
import type { LogicalResponse } from './response.js';

export interface RequestHandler {
  handleRequest(request: LogicalRequest): Promise<LogicalResponse>;
}
