// Calls of the public application page. Errors arrive as ApiError (Russian texts, field details).
import { request } from '../api';
import type { ApplicationInput } from '../../../app/domain/membership/application';
import type { OrgList } from './boot';

export type ApplicationPayload = ApplicationInput & { homepage: string };

export const applyApi = {
  orgs: (slug: string) => request<OrgList>(`/apply/${encodeURIComponent(slug)}/orgs`),
  submit: (slug: string, body: ApplicationPayload) =>
    request<{ ok: true; repeated?: boolean }>(`/apply/${encodeURIComponent(slug)}`, { method: 'POST', body }),
};

/** A key for this filling of the form: a repeated send (double click, retry) is recognised by the server. */
export function newFormKey(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
