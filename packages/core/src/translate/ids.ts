import { createHash, randomUUID } from 'node:crypto';

/**
 * Hex, valid in Anthropic ids (`^[a-zA-Z0-9_-]+$`) and OpenAI ids. randomUUID
 * draws from a cached entropy pool; randomBytes per id cost a system call each
 * (measured: 2 % of a translated stream's CPU).
 */
const random = (chars: number) => {
  const u = randomUUID(); // 8-4-4-4-12 hex digits
  return (u.slice(0, 8) + u.slice(9, 13) + u.slice(14, 18) + u.slice(19, 23) + u.slice(24)).slice(0, chars);
};

/** Stable short digest: the same foreign id or tool name always rewrites to the same value, across requests too. */
export const digest = (text: string, chars: number) => createHash('sha256').update(text).digest('base64url').slice(0, chars);

export const chatCompletionId = () => `chatcmpl-${random(24)}`;
export const messageId = () => `msg_${random(24)}`;
export const anthropicToolId = () => `toolu_${random(24)}`;
export const openaiToolId = () => `call_${random(24)}`;

/** unix seconds, as OpenAI's `created` */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Responses API ids: a response, and its output items by kind (`msg`, `fc`, `ctc`, `rs`) */
export const responseId = () => `resp_${random(32)}`;
export const itemId = (kind: 'msg' | 'fc' | 'ctc' | 'rs') => `${kind}_${random(32)}`;
