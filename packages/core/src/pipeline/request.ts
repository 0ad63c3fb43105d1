import type { CoreRequest } from '../http/types.js';
import type { Observation } from '../observe.js';
import type { ChatFields, ClientSpec } from '../protocols/types.js';

/**
 * One chat request on its way through the pipeline, as the stages and the
 * hooks see it: the client's protocol, its body (and bytes, while they still
 * say what the body says), what routing needs.
 */
export class ChatRequest {
  /** headers a hook adds to the answer */
  headers: Record<string, string> | null = null;
  /** a hook reads this request's streamed answer (StreamEnd.answer): it is assembled while it passes */
  assemble = false;
  /** the operations' record of this request, when an observer is given (createProxy({ observer })) */
  observation: Observation | null = null;
  private _locals: Map<string, unknown> | null = null;
  readonly model: string;
  readonly stream: boolean;
  readonly needsImages: boolean;

  constructor(
    readonly client: ClientSpec,
    readonly http: CoreRequest,
    private _body: Record<string, unknown>,
    private _raw: Uint8Array | null,
    fields: ChatFields,
    /** `x-ones-strict`: only the requested model */
    readonly strict: boolean,
  ) {
    this.model = fields.model;
    this.stream = fields.stream;
    this.needsImages = fields.needsImages;
  }

  /** what a feature keeps between its hooks for this request, by its own key (made on first use) */
  get locals(): Map<string, unknown> {
    return (this._locals ??= new Map());
  }

  get body(): Record<string, unknown> {
    return this._body;
  }

  /** the client's bytes; null once a hook rewrote the body (it is then serialised from `body`) */
  get raw(): Uint8Array | null {
    return this._raw;
  }

  /** Replaces the body (a hook's rewrite); `model` and `stream` stay what the client asked. */
  rewrite(body: Record<string, unknown>): void {
    this._body = body;
    this._raw = null;
  }
}
