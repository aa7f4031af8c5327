/** The `time` object every REST answer carries (batch sub-results omit the operating fields). */
import { formatIso } from './clock.js';

export interface TimeObject {
  start: number;
  finish: number;
  duration: number;
  processing: number;
  date_start: string;
  date_finish: string;
  operating_reset_at?: number;
  operating?: number;
}

/** Starts a stopwatch at the portal's (virtual) now; `stop` builds the time object. */
export function stopwatch(nowMs: number): { stop(withOperating: boolean): TimeObject } {
  const t0 = performance.now();
  const start = nowMs / 1000;
  return {
    stop(withOperating) {
      const duration = (performance.now() - t0) / 1000;
      const finish = start + duration;
      const time: TimeObject = {
        start,
        finish,
        duration,
        processing: duration,
        date_start: formatIso(start * 1000),
        date_finish: formatIso(finish * 1000),
      };
      if (withOperating) {
        time.operating_reset_at = Math.floor(start) + 600;
        time.operating = 0;
      }
      return time;
    },
  };
}
