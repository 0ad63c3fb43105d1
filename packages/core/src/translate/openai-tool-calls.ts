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
 * draft with its own block state through `create`. A draft's `index` is its
 * own key: the upstream's index unless a second call came at that index.
 */
export class ToolCallDrafts<D extends ToolCallDraft> {
  private readonly drafts = new Map<number, D>();
  /** the upstream's index → the call its fragments continue */
  private readonly current = new Map<number, D>();
  private last: D | undefined;

  constructor(private readonly create: (index: number) => D) {}

  get size(): number {
    return this.drafts.size;
  }

  /** Merges one fragment (unvalidated stream data) into its call; returns the call and the argument text added. */
  add(fragment: Record<string, unknown>): { call: D; args: string } {
    const id = asString(fragment.id) || null;
    const fn = asRecord(fragment.function);
    const name = asString(fn.name);
    const call = this.callOf(fragment.index, id, name !== '');
    // the first id and name win: some providers repeat them on every fragment
    call.id ??= id;
    call.name ||= name;
    const args = asString(fn.arguments);
    call.args += args;
    this.last = call;
    return { call, args };
  }

  /** In index order. */
  all(): D[] {
    return [...this.drafts.values()].sort((a, b) => a.index - b.index);
  }

  /**
   * The call a fragment continues, or a new one. A fragment with a new id and
   * a name starts a new call even at an index already used (Gemini-compatible
   * relays stream parallel calls all at index 0); any other continues the call
   * at its index (no id, the same id, or a new id on a nameless fragment: some
   * servers change the id after a call's first fragment). Some providers omit
   * `index`: then a known id picks its call, a new id starts one, and no id
   * continues the last.
   */
  private callOf(index: unknown, id: string | null, named: boolean): D {
    const indexed = typeof index === 'number' && Number.isFinite(index);
    let call = indexed ? this.current.get(index) : id ? [...this.drafts.values()].find((d) => d.id === id) : this.last;
    if (call && id && named && call.id && call.id !== id) call = undefined;
    if (!call) {
      const key = indexed && !this.drafts.has(index) ? index : Math.max(-1, ...this.drafts.keys()) + 1;
      call = this.create(key);
      this.drafts.set(key, call);
    }
    if (indexed) this.current.set(index, call);
    return call;
  }
}
