/**
 * The portal's event bus: after a change, POST to every handler bound online for that event
 * (only once the app is installed), and keep one offline record per changed object for
 * handlers bound offline, pinging ONOFFLINEEVENT subscribers (throttled by minTimeout).
 */
import { createHash } from 'node:crypto';
import type { Portal } from './core.js';
import type { EventBinding } from './types.js';
import { nextId } from './ids.js';

const STATIC_EVENTS = [
  'ONAPPINSTALL', 'ONAPPUNINSTALL', 'ONAPPUPDATE', 'ONAPPTEST', 'ONAPPPAYMENT', 'ONOFFLINEEVENT',
  'ONCRMLEADADD', 'ONCRMLEADUPDATE', 'ONCRMLEADDELETE',
  'ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALDELETE', 'ONCRMDEALMOVETOCATEGORY',
  'ONCRMCONTACTADD', 'ONCRMCONTACTUPDATE', 'ONCRMCONTACTDELETE',
  'ONCRMCOMPANYADD', 'ONCRMCOMPANYUPDATE', 'ONCRMCOMPANYDELETE',
  'ONCRMDYNAMICITEMADD', 'ONCRMDYNAMICITEMUPDATE', 'ONCRMDYNAMICITEMDELETE',
  'ONCRMTYPEADD', 'ONCRMTYPEUPDATE', 'ONCRMTYPEDELETE',
  'ONCRMTIMELINECOMMENTADD', 'ONCRMACTIVITYADD', 'ONCRMACTIVITYUPDATE', 'ONCRMACTIVITYDELETE',
  'ONTASKADD', 'ONTASKUPDATE', 'ONTASKDELETE', 'ONUSERADD',
];

type AuthMode = { userId: number | null; refresh?: boolean; robot?: boolean };

export class EventBus {
  constructor(private readonly portal: Portal) {}

  /** Names the `events` method lists and event.bind accepts (per-type SPA variants included). */
  knownEvents(): string[] {
    const perType = this.portal.state.crmTypes.flatMap((t) =>
      ['ADD', 'UPDATE', 'DELETE'].map((v) => `ONCRMDYNAMICITEM${v}_${t.entityTypeId}`),
    );
    return [...STATIC_EVENTS, ...perType];
  }

  /**
   * auth[...] of an outbound POST. Without a user (robot/workflow/agent change) there is no token;
   * `robot` adds the fields the robot-call capture shows (expires, user_id, refresh_token).
   */
  auth(mode: AuthMode): Record<string, string> {
    const { urls, state, opts } = this.portal;
    const common = {
      domain: urls.domain,
      client_endpoint: urls.clientEndpoint,
      server_endpoint: urls.serverEndpoint,
      member_id: state.memberId,
      application_token: state.app.applicationToken ?? '',
    };
    if (mode.userId === null) return { ...common, scope: opts.app.scope, status: state.app.status };
    const pair = this.portal.tokens.issuePair(mode.userId);
    const auth: Record<string, string> = {
      access_token: pair.accessToken,
      ...(mode.robot ? { expires: String(this.portal.tokens.expiresAtSec(pair.accessToken)) } : {}),
      expires_in: String(pair.expiresIn),
      scope: opts.app.scope,
      domain: common.domain,
      server_endpoint: common.server_endpoint,
      status: state.app.status,
      client_endpoint: common.client_endpoint,
      member_id: common.member_id,
    };
    if (mode.refresh || mode.robot) auth['refresh_token'] = pair.refreshToken;
    if (mode.robot) auth['user_id'] = String(mode.userId);
    auth['application_token'] = common.application_token;
    return auth;
  }

  private ts(): string {
    return String(Math.floor(this.portal.clock.now() / 1000));
  }

  /** A CRM (or other) change happened; `actor` is the user whose token the handlers get. */
  emit(event: string, fields: Record<string, unknown>, actor: number | null): void {
    const { state } = this.portal;
    if (!state.app.installed) return;
    const stringFields = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
    for (const binding of state.eventBindings) {
      if (binding.event !== event) continue;
      if (binding.offline) this.recordOffline(binding, event, fields);
      else this.deliverOnline(binding, { FIELDS: stringFields }, binding.authType > 0 ? binding.authType : actor);
    }
  }

  private deliverOnline(binding: EventBinding, data: Record<string, unknown>, userId: number | null): void {
    const payload = {
      event: binding.event,
      event_handler_id: String(binding.id),
      data,
      ts: this.ts(),
      auth: this.auth({ userId }),
    };
    void this.portal.outbound.send('event', binding.event, binding.handler, payload);
  }

  /** One record per changed object: a later change refreshes the timestamp of the unread record. */
  private recordOffline(binding: EventBinding, event: string, fields: Record<string, unknown>): void {
    const { state, clock } = this.portal;
    const objectKey = `${event}|${String(fields['ID'])}|${String(fields['ENTITY_TYPE_ID'] ?? '')}|${binding.authConnector}`;
    const messageId = createHash('md5').update(objectKey).digest('hex');
    const existing = state.offlineEvents.find((r) => r.messageId === messageId && r.processId === '' && !r.error);
    const eventData = { FIELDS: Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'CATEGORY_ID' && k !== 'STAGE_ID')) };
    if (existing) {
      existing.timestamp = clock.now();
      existing.eventData = eventData;
    } else {
      state.offlineEvents.push({
        id: nextId(state, 'offlineEvent'),
        timestamp: clock.now(),
        eventName: event,
        eventData,
        additional: false,
        messageId,
        processId: '',
        error: false,
        authConnector: binding.authConnector,
      });
    }
    this.portal.store.touch();
    this.pingOffline();
  }

  private pingOffline(): void {
    const now = this.portal.clock.now();
    for (const binding of this.portal.state.eventBindings) {
      if (binding.event !== 'ONOFFLINEEVENT' || binding.offline) continue;
      if (binding.minTimeout > 0 && binding.lastPingAt !== null && now - binding.lastPingAt < binding.minTimeout * 1000) continue;
      binding.lastPingAt = now;
      const payload = { event: 'ONOFFLINEEVENT', event_handler_id: String(binding.id), data: [], ts: this.ts(), auth: this.auth({ userId: 1, refresh: true }) };
      void this.portal.outbound.send('event', 'ONOFFLINEEVENT', binding.handler, payload);
    }
  }

  /** ONAPPUNINSTALL / ONAPPUPDATE to the given bindings (taken before the portal wipes them). */
  sendAppEvent(event: string, bindings: EventBinding[], data: Record<string, unknown>, auth: Record<string, string>) {
    return bindings.map((b) =>
      this.portal.outbound.send('install', event, b.handler, { event, data, ts: this.ts(), auth }),
    );
  }
}
