import type { ProviderConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { AnthropicProvider } from './anthropic.js';
import { DegptProvider } from './degpt.js';
import type { UpstreamSettings } from './http.js';
import { OpenAIProvider, OpenAIResponsesProvider } from './openai.js';
import type { Provider } from './types.js';

export function createProvider(config: ProviderConfig, settings: UpstreamSettings, log: Logger): Provider {
  switch (config.type) {
    case 'openai':
      return new OpenAIProvider(config, settings);
    case 'openai-responses':
      return new OpenAIResponsesProvider(config, settings);
    case 'anthropic':
      return new AnthropicProvider(config, settings);
    case 'degpt':
      return new DegptProvider(config, settings, log);
  }
}
