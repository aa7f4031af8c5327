import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestError } from '../../app/errors.js';
import { fetchCurrentUser, fetchOAuthAppInfo } from '../../app/rest/helpers.js';
import { isIdempotentMethod, isMutationMethod } from '../../app/rest/method-kind.js';

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('fetchCurrentUser', () => {
  it('calls user.current with the user token on the portal (trailing slash normalised)', async () => {
    let body: unknown;
    nock('https://portal.test').post('/rest/user.current').reply(async (req: Request) => {
      body = await req.json();
      return [200, { result: { ID: '3', NAME: 'John' }, time: {} }];
    });
    await expect(fetchCurrentUser('https://portal.test/rest/', 'user-token')).resolves.toEqual({ ID: '3', NAME: 'John' });
    expect(body).toEqual({ auth: 'user-token' });
  });

  it('throws RestError with the portal code', async () => {
    nock('https://portal.test').post('/rest/user.current').reply(401, { error: 'expired_token', error_description: 'The access token provided has expired.' });
    const err = await fetchCurrentUser('https://portal.test/rest', 'old').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestError);
    expect(err).toMatchObject({ method: 'user.current', code: 'expired_token', httpStatus: 401 });
  });
});

describe('fetchOAuthAppInfo', () => {
  it('GETs app.info on the OAuth server', async () => {
    nock('https://oauth.test').get('/rest/app.info').query({ auth: 'tok' }).reply(200, { result: { client_id: 'app.client', install: { member_id: 'member-1', installed: true } } });
    await expect(fetchOAuthAppInfo('https://oauth.test/rest/', 'tok')).resolves.toMatchObject({ client_id: 'app.client', install: { member_id: 'member-1' } });
  });

  it('throws RestError on an error answer', async () => {
    nock('https://oauth.test').get('/rest/app.info').query(true).reply(401, { error: 'invalid_token', error_description: '' });
    await expect(fetchOAuthAppInfo('https://oauth.test/rest/', 'bad')).rejects.toMatchObject({ method: 'app.info', code: 'invalid_token' });
  });
});

describe('method kinds', () => {
  it('knows which calls must not be repeated blindly and which change data', () => {
    for (const m of ['crm.item.add', 'bizproc.event.send', 'disk.folder.uploadfile', 'disk.folder.addsubfolder', 'im.notify.system.add']) expect(isIdempotentMethod(m)).toBe(false);
    for (const m of ['crm.item.get', 'crm.item.list', 'crm.item.update', 'placement.bind', 'event.bind', 'batch']) expect(isIdempotentMethod(m)).toBe(true);
    for (const m of ['crm.item.add', 'crm.item.update', 'crm.item.delete', 'placement.bind', 'app.option.set']) expect(isMutationMethod(m)).toBe(true);
    for (const m of ['crm.item.get', 'crm.item.list', 'user.current']) expect(isMutationMethod(m)).toBe(false);
  });
});
