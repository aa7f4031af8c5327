/**
 * The portal's notion of "now". Tests share one clock with the app so that token expiry,
 * createdTime/movedTime and throttles can be driven without waiting.
 * Default: real time plus an offset that advance()/set() adjust.
 */
export class VirtualClock {
  private offsetMs: number;

  constructor(startMs?: number) {
    this.offsetMs = startMs === undefined ? 0 : startMs - Date.now();
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  set(ms: number): void {
    this.offsetMs = ms - Date.now();
  }
}

/** The sandbox portal lives in Moscow time, as a Russian portal would. */
const PORTAL_OFFSET_MIN = 180;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** ISO-8601 with the portal's offset, the way the REST API prints datetimes: 2024-07-18T14:00:14+03:00. */
export function formatIso(ms: number): string {
  const d = new Date(ms + PORTAL_OFFSET_MIN * 60_000);
  const sign = PORTAL_OFFSET_MIN >= 0 ? '+' : '-';
  const off = Math.abs(PORTAL_OFFSET_MIN);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`
  );
}

/** Date-typed fields come back as midnight in the portal zone. */
export function formatDateMidnight(ms: number): string {
  const iso = formatIso(ms);
  return `${iso.slice(0, 10)}T00:00:00${iso.slice(19)}`;
}

/** Parses what clients send for dates: ISO strings, YYYY-MM-DD, DD.MM.YYYY. NaN when unparseable. */
export function parseDate(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return NaN;
  const s = value.trim();
  const ru = /^(\d{2})\.(\d{2})\.(\d{4})(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (ru) {
    const iso = `${ru[3]}-${ru[2]}-${ru[1]}T${ru[4] ?? '00'}:${ru[5] ?? '00'}:${ru[6] ?? '00'}+03:00`;
    return Date.parse(iso);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00+03:00`);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) return Date.parse(`${s.replace(' ', 'T')}+03:00`);
  return Date.parse(s);
}
