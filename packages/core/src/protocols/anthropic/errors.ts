import { errorTypes } from '../chat-fields.js';

/** Anthropic's error types by status (and back, for what upstreams send). */
export const ANTHROPIC_ERRORS = errorTypes(
  {
    400: ['invalid_request_error', null],
    401: ['authentication_error', null],
    402: ['billing_error', null],
    403: ['permission_error', null],
    404: ['not_found_error', null],
    405: ['invalid_request_error', null],
    408: ['timeout_error', null],
    413: ['request_too_large', null],
    429: ['rate_limit_error', null],
    500: ['api_error', null],
    502: ['api_error', null],
    503: ['overloaded_error', null],
    504: ['timeout_error', null],
    529: ['overloaded_error', null],
  },
  (status) => [status >= 500 ? 'api_error' : 'invalid_request_error', null],
  { timeout_error: 504, overloaded_error: 529 },
);
