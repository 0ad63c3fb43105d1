import { errorTypes } from '../chat-fields.js';

/** OpenAI's error types and codes by status (and back, for what upstreams send). */
export const OPENAI_ERRORS = errorTypes(
  {
    400: ['invalid_request_error', null],
    401: ['invalid_request_error', 'invalid_api_key'],
    403: ['permission_error', null],
    // a 404 may be a route or a model: the code only where the proxy knows it is a model
    404: ['invalid_request_error', null],
    405: ['invalid_request_error', 'method_not_allowed'],
    413: ['invalid_request_error', 'request_too_large'],
    429: ['rate_limit_exceeded', 'rate_limit_exceeded'],
    500: ['server_error', null],
  },
  (status) => (status >= 500 ? ['server_error', null] : ['invalid_request_error', null]),
);
