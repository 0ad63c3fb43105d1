import { asRecord, asString } from './json.js';

/** One OpenAI tool call as its stream fragments build it up. */
export interface ToolCallDraft {
  index: number;
  id: string | null;
  name: string;
  args: string;
}

/**
 * Collects OpenAI tool-call fragments by `index`. Shared by the OpenAI stream
 * aggregate and the OpenAI → Anthropic stream translator, which extends the
 * draft with its own block state through `create`.
 */
export class ToolCallDrafts<D extends ToolCallDraft> {
  private readonly drafts = new Map<number, D>();
  private last: D | undefined;

  constructor(private readonly create: (index: number) => D) {}

  get size(): number {
    return this.drafts.size;
  }

  /** Merges one fragment (unvalidated stream data) into its call; returns the call and the argument text added. */
  add(fragment: Record<string, unknown>): { call: D; args: string } {
    const id = asString(fragment.id) || null;
    const fn = asRecord(fragment.function);
    const index = this.indexOf(fragment.index, id);
    let call = this.drafts.get(index);
    if (!call) {
      call = this.create(index);
      this.drafts.set(index, call);
    }
    // the first id and name win: some providers repeat them on every fragment
    call.id ??= id;
    call.name ||= asString(fn.name);
    const args = asString(fn.arguments);
    call.args += args;
    this.last = call;
    return { call, args };
  }

  /** In index order. */
  all(): D[] {
    return [...this.drafts.values()].sort((a, b) => a.index - b.index);
  }

  /** Some providers omit `index`: a new id starts a new call, a fragment without one continues the last call. */
  private indexOf(index: unknown, id: string | null): number {
    if (typeof index === 'number' && Number.isFinite(index)) return index;
    const known = id ? [...this.drafts.values()].find((d) => d.id === id) : this.last;
    if (known) return known.index;
    return this.drafts.size === 0 ? 0 : Math.max(...this.drafts.keys()) + 1;
  }
}
