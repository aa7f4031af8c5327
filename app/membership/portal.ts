import type { Portal } from '../store/types.js';

/** The portal's own web address (for links in notifications), from its REST endpoint. */
export const portalUrlOf = (portal: Pick<Portal, 'clientEndpoint'>) => portal.clientEndpoint.replace(/\/rest\/?$/, '');
