/** The two wire protocols a client or an upstream can speak. */
export type Protocol = 'openai' | 'anthropic';

/**
 * An error with an HTTP status that the proxy answers in the caller's protocol.
 * `param` names the offending field so a 400 says what to fix.
 */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    /** overrides the protocol's default type/code for the status */
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

export const badRequest = (message: string, param: string | null = null) => new ProxyError(400, message, param);

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  408: 'timeout_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const OPENAI_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['permission_error', null],
  404: ['invalid_request_error', null],
  405: ['invalid_request_error', 'method_not_allowed'],
  413: ['invalid_request_error', 'request_too_large'],
  429: ['rate_limit_exceeded', 'rate_limit_exceeded'],
};

export function anthropicErrorType(status: number): string {
  return ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function openaiErrorType(status: number): [type: string, code: string | null] {
  return OPENAI_TYPES[status] ?? (status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
}

/** Status the other protocol uses for the same meaning (529 is Anthropic-only). */
export function statusFor(protocol: Protocol, status: number): number {
  if (protocol === 'openai' && status === 529) return 503;
  return status;
}

/** The error object (without transport framing) in a protocol's shape. */
export function errorObject(protocol: Protocol, status: number, message: string, param: string | null = null, code: string | null = null) {
  if (protocol === 'anthropic') {
    return { type: 'error', error: { type: anthropicErrorType(status), message } };
  }
  const [type, defCode] = openaiErrorType(status);
  return { error: { message, type, param, code: code ?? defCode } };
}

export function errorBody(protocol: Protocol, err: ProxyError): string {
  return JSON.stringify(errorObject(protocol, err.status, err.message, err.param, err.code));
}

/** Reads the message out of an error body of either protocol (or plain text). */
export function upstreamErrorMessage(text: string): { message: string; type: string | null } {
  try {
    const j = JSON.parse(text);
    const e = j?.error ?? j;
    if (e && typeof e === 'object') {
      const message = typeof e.message === 'string' ? e.message : typeof j.message === 'string' ? j.message : JSON.stringify(e).slice(0, 500);
      const type = typeof e.type === 'string' ? e.type : typeof e.code === 'string' ? e.code : null;
      return { message, type };
    }
    if (typeof e === 'string') return { message: e, type: null };
  } catch {
    /* not JSON: fall through to the raw text */
  }
  return { message: text.slice(0, 500) || 'upstream error', type: null };
}
