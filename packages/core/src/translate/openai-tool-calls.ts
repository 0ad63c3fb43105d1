import type { OpenAIToolCallDelta } from '../protocols/openai/types.js';

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

  /** Merges one fragment into its call and returns that call. */
  add(fragment: OpenAIToolCallDelta): D {
    const index = this.indexOf(fragment);
    let draft = this.drafts.get(index);
    if (!draft) {
      draft = this.create(index);
      this.drafts.set(index, draft);
    }
    // the first id and name win: some providers repeat them on every fragment
    draft.id ??= fragment.id || null;
    if (!draft.name && fragment.function?.name) draft.name = fragment.function.name;
    draft.args += fragment.function?.arguments ?? '';
    this.last = draft;
    return draft;
  }

  /** In index order. */
  all(): D[] {
    return [...this.drafts.values()].sort((a, b) => a.index - b.index);
  }

  /** Some providers omit `index`: a new id starts a new call, a fragment without one continues the last call. */
  private indexOf(fragment: OpenAIToolCallDelta): number {
    if (typeof fragment.index === 'number') return fragment.index;
    const known = fragment.id ? [...this.drafts.values()].find((d) => d.id === fragment.id) : this.last;
    if (known) return known.index;
    return this.drafts.size === 0 ? 0 : Math.max(...this.drafts.keys()) + 1;
  }
}
