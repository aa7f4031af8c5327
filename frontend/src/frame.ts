// Frame chores for pages shown inside a Bitrix24 portal (fit window, install finish).
//
// Inside a real portal frame, window.name is `DOMAIN|PROTOCOL|APP_SID` and b24jssdk's
// initializeB24Frame() performs the postMessage handshake with the portal. Outside a portal
// (our sandbox shell, tests, a plain browser tab) the SDK is never loaded; instead we post
// `{ source: 'digital-union', command }` messages to window.parent so the sandbox shell can
// play the portal's part.
import type { B24Frame } from '@bitrix24/b24jssdk';

export const MESSAGE_SOURCE = 'digital-union';

export type FrameCommand =
  | { source: typeof MESSAGE_SOURCE; command: 'installFinish' }
  | { source: typeof MESSAGE_SOURCE; command: 'fitWindow'; height: number };

/** How a chore was delivered: through the portal SDK, to a parent window, or nowhere. */
export type FrameDelivery = 'portal' | 'parent' | 'none';

const FRAME_NAME_RE = /^[^|\s]+\|[01]?\|[^|\s]+$/;
const HANDSHAKE_TIMEOUT_MS = 5000;

/** True when window.name has the portal's `DOMAIN|PROTOCOL|APP_SID` form. */
export function looksLikePortalFrame(win: Window = window): boolean {
  return win.parent !== win && FRAME_NAME_RE.test(win.name ?? '');
}

let framePromise: Promise<B24Frame | null> | null = null;

/** The portal frame SDK, or null outside a portal or when the handshake fails. */
export function getFrame(): Promise<B24Frame | null> {
  if (framePromise) return framePromise;
  if (!looksLikePortalFrame()) {
    framePromise = Promise.resolve(null);
    return framePromise;
  }
  framePromise = (async () => {
    try {
      // Loaded on demand: pages outside a portal never download the SDK chunk.
      const { initializeB24Frame } = await import('@bitrix24/b24jssdk');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<null>((res) => {
        timer = setTimeout(() => res(null), HANDSHAKE_TIMEOUT_MS);
      });
      const frame = await Promise.race([initializeB24Frame(), timeout]);
      clearTimeout(timer);
      return frame;
    } catch {
      return null; // not a portal after all: fall back to parent messages
    }
  })();
  return framePromise;
}

function postToParent(message: FrameCommand): FrameDelivery {
  if (window.parent === window) return 'none';
  try {
    window.parent.postMessage(message, '*'); // carries no secrets
    return 'parent';
  } catch {
    return 'none';
  }
}

function contentHeight(): number {
  const el = document.getElementById('app') ?? document.body;
  return Math.ceil(Math.max(el.scrollHeight, el.getBoundingClientRect().height));
}

/** Resize the portal frame to the content. */
export async function fitWindow(): Promise<FrameDelivery> {
  const frame = await getFrame();
  if (frame) {
    try {
      await frame.parent.fitWindow();
      return 'portal';
    } catch {
      // fall through to the parent message
    }
  }
  return postToParent({ source: MESSAGE_SOURCE, command: 'fitWindow', height: contentHeight() });
}

/** Tell the portal that installation is complete (placements stay hidden until then). */
export async function installFinish(): Promise<FrameDelivery> {
  const frame = await getFrame();
  if (frame) {
    try {
      await frame.installFinish();
      return 'portal';
    } catch {
      // fall through to the parent message
    }
  }
  return postToParent({ source: MESSAGE_SOURCE, command: 'installFinish' });
}

/** Keep the frame fitted while the content changes size. Returns a stop function. */
export function autoFit(): () => void {
  if (window.parent === window || typeof ResizeObserver === 'undefined') return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = -1;
  const observer = new ResizeObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const h = contentHeight();
      if (h === last) return;
      last = h;
      void fitWindow();
    }, 100);
  });
  observer.observe(document.getElementById('app') ?? document.body);
  return () => {
    clearTimeout(timer);
    observer.disconnect();
  };
}
