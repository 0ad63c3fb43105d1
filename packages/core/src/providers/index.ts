import type { ProviderConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { AnthropicProvider } from './anthropic.js';
import { DegptProvider } from './degpt.js';
import type { Pools, Timeouts } from './http.js';
import { OpenAIProvider } from './openai.js';
import type { Provider } from './types.js';

export function createProvider(config: ProviderConfig, pools: Pools, timeouts: Timeouts, log: Logger): Provider {
  switch (config.type) {
    case 'openai':
      return new OpenAIProvider(config, pools, timeouts);
    case 'anthropic':
      return new AnthropicProvider(config, pools, timeouts);
    case 'degpt':
      return new DegptProvider(config, pools, timeouts, log);
  }
}
