/** The portal only calls handlers on the app's own host; the sandbox treats loopback names as one host. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function host(url: string): string | null {
  try {
    const h = new URL(url).hostname;
    return LOOPBACK.has(h) ? 'loopback' : h;
  } catch {
    return null;
  }
}

export function isHttpUrl(url: string): boolean {
  try {
    const p = new URL(url).protocol;
    return p === 'http:' || p === 'https:';
  } catch {
    return false;
  }
}

export function sameHostAsApp(url: string, appUrls: string[]): boolean {
  const h = host(url);
  return h !== null && appUrls.some((u) => host(u) === h);
}
