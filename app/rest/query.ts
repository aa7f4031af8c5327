import qs from 'qs';

/** A batch reference (`$result[cmd0][items][49][id]`) must reach the portal unencoded-looking; see phpQuery. */
const BATCH_REFERENCE = /^\$(result|next|total|time|error)\[/;

/**
 * PHP `http_build_query`-compatible query string for a batch command (`method?query`).
 *
 * Why not the SDK's: it runs `qs.stringify` with defaults, which writes booleans as `true`/`false`
 * (PHP writes 1/0), keeps `null` as `key=` (PHP drops it) and percent-encodes batch references.
 * The portal parses with `parse_str` and substitutes references afterwards, so encoded references
 * work on a real portal, but raw ones are what the docs show and what every fake understands.
 * Keys keep readable brackets (`filter[>id]`): parse_str accepts raw and encoded brackets alike.
 */
export function phpQuery(params: Record<string, unknown> | undefined): string {
  if (!params) return '';
  return qs.stringify(params, {
    arrayFormat: 'indices',
    format: 'RFC1738',
    skipNulls: true,
    filter: (_prefix, value: unknown) => (typeof value === 'boolean' ? (value ? 1 : 0) : value),
    encoder: (str: unknown, defaultEncoder, charset, type) => {
      const text = String(str);
      if (type === 'value' && BATCH_REFERENCE.test(text)) return text;
      const encoded: string = defaultEncoder(text, defaultEncoder, charset);
      return type === 'key' ? encoded.replace(/%5B/gi, '[').replace(/%5D/gi, ']') : encoded;
    },
  });
}

/** `method?query` as a batch `cmd` value. */
export function batchCommandString(method: string, params: Record<string, unknown> | undefined): string {
  const query = phpQuery(params);
  return query ? `${method}?${query}` : method;
}

/**
 * A REST base without trailing slashes: `https://x.bitrix24.ru/rest/` → `https://x.bitrix24.ru/rest`.
 * Bitrix sends `client_endpoint` with a trailing slash and the SDK appends `/{method}` itself.
 */
export function trimRestBase(endpoint: string): string {
  return endpoint.trim().replace(/\/+$/, '');
}

/** The store's form: exactly one trailing slash. */
export function slashRestBase(endpoint: string): string {
  return `${trimRestBase(endpoint)}/`;
}
