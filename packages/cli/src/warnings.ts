import type { ProxyConfig } from '@ones-proxy/core';

type Env = Record<string, string | undefined>;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i;

/** Only this machine can connect to a server bound to `host`. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[(.*)\]$/, '$1'));
}

/** Start-up warnings about the configuration as a whole: what will not work, and what is open to others. */
export function startupWarnings(config: ProxyConfig, host: string, env: Env): string[] {
  const warnings: string[] = [];
  if (config.providers.length === 0) {
    const degpt = env.DEGPT_ENABLED ? `remove DEGPT_ENABLED=${env.DEGPT_ENABLED} to get the keyless DeGPT default` : 'set DEGPT_ENABLED=true';
    warnings.push(
      'no provider is configured, so every chat request will fail: set OPENAI_API_KEY or ANTHROPIC_API_KEY ' +
        '(with OPENAI_BASE_URL / ANTHROPIC_BASE_URL for another endpoint), list "providers" in a config file ' +
        `(--config or ONES_CONFIG), or ${degpt}`,
    );
  }
  const keyed = config.providers.filter((p) => p.apiKey || (p.type === 'degpt' && p.authCookie)).map((p) => p.name);
  if (keyed.length && !config.token && !isLoopback(host)) {
    warnings.push(
      `listening on ${host} with no TOKEN: anyone who can reach this port can use the credentials configured for ${keyed.join(', ')}; ` +
        'set TOKEN (or --token), or listen on 127.0.0.1 only (HOST or --host)',
    );
  }
  return warnings;
}

/** How the start-up line names each provider; the default DeGPT provider says where prompts go. */
export function describeProvider(config: ProxyConfig, s: { provider: string; models: number; error?: string }, defaultDegpt: boolean): string {
  const p = config.providers.find((q) => q.name === s.provider);
  const notes = [`${s.models} models`];
  if (s.error) notes.push('list failed');
  if (defaultDegpt && p?.type === 'degpt') notes.push(`default; prompts go to ${new URL(p.baseURL).host} — set DEGPT_ENABLED=false to turn off`);
  return `${s.provider} (${notes.join('; ')})`;
}
