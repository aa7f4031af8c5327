/**
 * What the app sends people through the portal: notifications to staff, e-mails to applicants
 * (logged in the deal's timeline), to-dos. Each builder returns a batch command so callers can
 * pack them with the writes they belong to.
 */
import type { BatchCommand } from '../rest/types.js';

export const DEAL = 2;
export const CONTACT = 3;

/** A system notification to a portal user; the same tag replaces an earlier one instead of piling up. */
export function notifyCommand(userId: number, message: string, tag?: string): BatchCommand {
  return { method: 'im.notify.system.add', params: { USER_ID: userId, MESSAGE: message, ...(tag ? { TAG: tag } : {}) } };
}

export interface EmailToContact {
  /** The CRM item the e-mail is logged on (the deal). */
  owner: { typeId: number; id: number };
  contactId: number;
  to: string;
  subject: string;
  html: string;
  responsibleId?: number;
  /** Disk file ids (the app's storage) attached to the letter. */
  diskFileIds?: number[];
}

/**
 * crm.activity.add sends mail only for an outgoing (DIRECTION 2), completed (COMPLETED Y) e-mail
 * (TYPE_ID 4); attachments are disk files (STORAGE_TYPE_ID 3 = disk).
 */
export function emailCommand(e: EmailToContact): BatchCommand {
  return {
    method: 'crm.activity.add',
    params: {
      fields: {
        OWNER_TYPE_ID: e.owner.typeId,
        OWNER_ID: e.owner.id,
        TYPE_ID: 4,
        DIRECTION: 2,
        COMPLETED: 'Y',
        SUBJECT: e.subject,
        DESCRIPTION: e.html,
        DESCRIPTION_TYPE: 3,
        COMMUNICATIONS: [{ VALUE: e.to, ENTITY_ID: e.contactId, ENTITY_TYPE_ID: CONTACT }],
        ...(e.responsibleId ? { RESPONSIBLE_ID: e.responsibleId } : {}),
        ...(e.diskFileIds?.length ? { STORAGE_TYPE_ID: 3, STORAGE_ELEMENT_IDS: e.diskFileIds } : {}),
      },
    },
  };
}

export interface Todo {
  owner: { typeId: number; id: number };
  title: string;
  description?: string;
  /** Portal-local datetime, ISO 8601 with offset. */
  deadline: string;
  responsibleId?: number;
}

export function todoCommand(t: Todo): BatchCommand {
  return {
    method: 'crm.activity.todo.add',
    params: {
      ownerTypeId: t.owner.typeId,
      ownerId: t.owner.id,
      title: t.title,
      description: t.description ?? '',
      deadline: t.deadline,
      ...(t.responsibleId ? { responsibleId: t.responsibleId } : {}),
    },
  };
}

/** HTML-escape text that goes into an e-mail body. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
