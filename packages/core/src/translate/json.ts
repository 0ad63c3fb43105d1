/**
 * Readers for stream data, which is never validated (a zod parse per chunk
 * would cost too much): any field may hold any JSON value, and these turn a
 * wrong type into "absent" instead of a crash or a non-string in the output.
 */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse that never throws: a JSON object, or null (SSE data may be `[DONE]`, junk, a bare number). */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

export const asString = (v: unknown): string => (typeof v === 'string' ? v : '');
export const asRecord = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A token count: a finite number held to [0, 2^53), else 0 (sums of counts then stay finite). */
export const asCount = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.min(Math.max(0, v), Number.MAX_SAFE_INTEGER) : 0);
