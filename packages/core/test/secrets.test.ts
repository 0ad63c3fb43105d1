import { describe, expect, it } from 'vitest';
// fast-check is a devDependency of the tests workspace only (core declares no test deps): load it from there
import fc from '../../../tests/node_modules/fast-check/lib/fast-check.js';
import { makeRedactor, makeStreamRedactor } from '../src/secrets.js';

const SECRETS = ['sk-live-0123456789abcdefQZ', 'cookie=abcdef123456', 'tok-ABCxyz'];

function runStream(chunks: string[]): string {
  const r = makeStreamRedactor(SECRETS)!();
  let out = '';
  for (const c of chunks) out += Buffer.from(r.push(Buffer.from(c))).toString();
  return out + Buffer.from(r.flush()).toString();
}

/** Cuts `text` at the given positions. */
const cut = (text: string, at: number[]) => {
  const points = [...new Set(at.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(text.slice(from, p));
    from = p;
  }
  parts.push(text.slice(from));
  return parts;
};

describe('stream redactor', () => {
  it('nothing configured: no redactor at all (a passed-through stream pays nothing)', () => {
    expect(makeStreamRedactor([undefined, 'short'])).toBeNull();
  });

  it('masks a secret whole in one chunk, and every secret of several', () => {
    expect(runStream([`data: {"error":"bad key ${SECRETS[0]} and ${SECRETS[2]}"}\n\n`])).toBe('data: {"error":"bad key [redacted] and [redacted]"}\n\n');
  });

  it('gives the same bytes as the text redactor, however the stream is cut', () => {
    const text = fc.stringMatching(/^[a-zA-Z0-9 :{}"\n-]{0,40}$/);
    const piece = fc.oneof(text, fc.constantFrom(...SECRETS), fc.constantFrom(...SECRETS.map((s) => s.slice(0, 5))));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (pieces, at) => {
        const whole = pieces.join('');
        expect(runStream(cut(whole, at))).toBe(makeRedactor(SECRETS)(whole));
      }),
      { numRuns: 2000 },
    );
  });

  it('holds nothing back at an end frame', () => {
    const r = makeStreamRedactor(SECRETS)!();
    expect(Buffer.from(r.push(Buffer.from('data: [DONE]\n\n'))).toString()).toBe('data: [DONE]\n\n');
    expect(r.flush().length).toBe(0);
  });
});
