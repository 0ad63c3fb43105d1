import { createHash, timingSafeEqual } from 'node:crypto';
import type { UpstreamProtocol } from '../protocols/types.js';
import type { Provider } from '../providers/types.js';
import type { Catalog } from '../router/catalog.js';
import { header, type HeaderMap } from './types.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The credential a client sent: `Authorization: Bearer …` or `x-api-key`. */
export function clientCredential(h: HeaderMap): string | undefined {
  const auth = header(h, 'authorization');
  if (auth && /^bearer /i.test(auth)) return auth.slice(7).trim() || undefined;
  return header(h, 'x-api-key') || undefined;
}

/**
 * Constant-time check of either header against the token: both sides are
 * hashed first, so neither the token's length nor its content leaks by timing.
 */
export function makeTokenCheck(token: string): (h: HeaderMap) => boolean {
  const want = digest(token);
  return (h) => {
    const auth = header(h, 'authorization');
    const bearer = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    const key = header(h, 'x-api-key');
    // evaluate both so timing does not tell which header was tried
    const a = bearer !== undefined && timingSafeEqual(digest(bearer), want);
    const b = key !== undefined && timingSafeEqual(digest(key), want);
    return a || b;
  };
}

/**
 * Bring-your-own-key: the one provider a client's credential is meant for,
 * so failover never carries it to another host. The provider named by
 * `provider/model`; else the first keyless provider (configuration order)
 * that lists the requested model, one speaking the route's protocol before
 * others; else (`auto`, an unlisted model) the first keyless provider of the
 * route's protocol. Null when that provider has a key of its own: then no
 * provider gets the client's credential.
 */
export function credentialOwner(own: UpstreamProtocol, requested: string, catalog: Catalog): Provider | null {
  const providers = catalog.providers;
  const slash = requested.indexOf('/');
  if (slash > 0) {
    const named = providers.find((p) => p.name === requested.slice(0, slash));
    if (named) return named.keyless ? named : null;
  }
  const listing = catalog.find(requested).filter((e) => e.provider.keyless);
  const owner =
    listing.find((e) => e.provider.protocol === own)?.provider ??
    listing[0]?.provider ??
    providers.find((p) => p.keyless && p.protocol === own);
  return owner ?? null;
}
