import { describe, expect, it } from 'vitest';
import { upstreamErrorMessage } from '../src/errors.js';
import { CLIENTS, UPSTREAMS } from '../src/protocols/index.js';

const errorObject = (p: 'openai' | 'anthropic', status: number, message: string, param?: string) => CLIENTS[p].errorObject(status, message, param);
const statusFor = (p: 'openai' | 'anthropic', status: number) => CLIENTS[p].status(status);

describe('error mapping', () => {
  it.each([
    [400, 'invalid_request_error', 'invalid_request_error', null],
    [401, 'authentication_error', 'invalid_request_error', 'invalid_api_key'],
    [403, 'permission_error', 'permission_error', null],
    // a 404 may be a route or a model: code only where the proxy knows it is a model
    [404, 'not_found_error', 'invalid_request_error', null],
    [413, 'request_too_large', 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_error', 'rate_limit_exceeded', 'rate_limit_exceeded'],
    [500, 'api_error', 'server_error', null],
    [502, 'api_error', 'server_error', null],
    [504, 'timeout_error', 'server_error', null],
    [529, 'overloaded_error', 'server_error', null],
  ])('%i → anthropic %s, openai %s/%s', (status, anthropic, openaiType, code) => {
    expect(errorObject('anthropic', status, 'm')).toEqual({ type: 'error', error: { type: anthropic, message: 'm' } });
    expect(errorObject('openai', status, 'm', 'p')).toEqual({ error: { message: 'm', type: openaiType, param: 'p', code } });
  });

  it('529 is 503 for OpenAI clients', () => {
    expect(statusFor('openai', 529)).toBe(503);
    expect(statusFor('anthropic', 529)).toBe(529);
  });

  it('reads an upstream error type back to its status, by the upstream protocol\'s table', () => {
    expect(UPSTREAMS.anthropic.errorTypes.statusOf('overloaded_error')).toBe(529);
    expect(UPSTREAMS.anthropic.errorTypes.statusOf('timeout_error')).toBe(504);
    expect(UPSTREAMS.anthropic.errorTypes.statusOf('not_found_error')).toBe(404);
    expect(UPSTREAMS.openai.errorTypes.statusOf('rate_limit_exceeded')).toBe(429);
    expect(UPSTREAMS.openai.errorTypes.statusOf('server_error')).toBe(500);
    expect(UPSTREAMS.openai.errorTypes.statusOf('whatever', 418)).toBe(418);
    expect(UPSTREAMS.openai.errorTypes.statusOf('whatever')).toBe(500);
  });

  it('reads messages from either protocol or plain text', () => {
    expect(upstreamErrorMessage('{"error":{"message":"bad","type":"x"}}')).toEqual({ message: 'bad', type: 'x' });
    expect(upstreamErrorMessage('{"type":"error","error":{"type":"overloaded_error","message":"busy"}}')).toEqual({ message: 'busy', type: 'overloaded_error' });
    expect(upstreamErrorMessage('Bad Gateway').message).toBe('Bad Gateway');
    expect(upstreamErrorMessage('').message).toBe('upstream error');
  });
});
