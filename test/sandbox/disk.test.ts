/**
 * The sandbox portal's Drive methods for replacing and removing a file, as the REST docs describe
 * them: disk.file.uploadversion {id, fileContent: [name, base64]} → the file (structure of
 * disk.file.get), same ID and name, new content; disk.file.delete {id} → true, the file gone for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startHarness, type Harness } from './harness.js';

let h: Harness;
let folderId = 0;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const download = async (file: { DOWNLOAD_URL: string }) => Buffer.from(await (await fetch(file.DOWNLOAD_URL)).arrayBuffer()).toString('utf8');

beforeAll(async () => {
  h = await startHarness();
  const storage = await ok(h, 'disk.storage.getForApp');
  folderId = Number((await ok(h, 'disk.folder.addsubfolder', { id: Number(storage.ROOT_OBJECT_ID), data: { NAME: 'Шаблоны' } })).ID);
});
afterAll(async () => {
  await h?.close();
});

describe('sandbox Drive: disk.file.uploadversion and disk.file.delete', () => {
  it('uploads a new version of a file: same ID and name, new content and size, later UPDATE_TIME', async () => {
    const file = await ok(h, 'disk.folder.uploadfile', { id: folderId, data: { NAME: 'шаблон.docx' }, fileContent: ['шаблон.docx', b64('первая версия')] });
    expect(await download(file)).toBe('первая версия');
    h.sb.clock.advance(60_000);

    const v2 = await ok(h, 'disk.file.uploadversion', { id: file.ID, fileContent: ['другое имя.docx', b64('вторая версия, длиннее')] });
    expect(v2).toMatchObject({ ID: file.ID, NAME: 'шаблон.docx', TYPE: 'file', SIZE: String(Buffer.byteLength('вторая версия, длиннее')) });
    expect(Date.parse(v2.UPDATE_TIME)).toBeGreaterThan(Date.parse(file.UPDATE_TIME));
    expect(Date.parse(v2.CREATE_TIME)).toBe(Date.parse(file.CREATE_TIME));
    // disk.file.get and the folder listing see the new version; the old download link gives it too.
    const got = await ok(h, 'disk.file.get', { id: file.ID });
    expect(got).toMatchObject({ ID: file.ID, SIZE: v2.SIZE, UPDATE_TIME: v2.UPDATE_TIME });
    expect(await download(got)).toBe('вторая версия, длиннее');
    expect(await download(file)).toBe('вторая версия, длиннее');
    expect((await ok(h, 'disk.folder.getchildren', { id: folderId })).map((o: { NAME: string }) => o.NAME)).toEqual(['шаблон.docx']);
  });

  it('accepts the form-encoded call too (fileContent[0], fileContent[1])', async () => {
    const file = await ok(h, 'disk.folder.uploadfile', { id: folderId, data: { NAME: 'form.txt' }, fileContent: ['form.txt', b64('a')] });
    const v2 = await ok(h, 'disk.file.uploadversion', { id: file.ID, fileContent: ['form.txt', b64('bb')] }, { as: 'form' });
    expect(v2.SIZE).toBe('2');
  });

  it('refuses a version without content, of an unknown file, or of a folder', async () => {
    const file = await ok(h, 'disk.folder.uploadfile', { id: folderId, data: { NAME: 'x.txt' }, fileContent: ['x.txt', b64('x')] });
    const noContent = await h.rest('disk.file.uploadversion', { id: file.ID });
    expect(noContent.status).toBe(400);
    expect(noContent.body.error).toBe('ERROR_ARGUMENT');
    const unknown = await h.rest('disk.file.uploadversion', { id: 999_999, fileContent: ['x.txt', b64('y')] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('ERROR_NOT_FOUND');
    expect((await h.rest('disk.file.uploadversion', { id: folderId, fileContent: ['x.txt', b64('y')] })).body.error).toBe('ERROR_NOT_FOUND');
  });

  it('is not allowed inside batch (a file upload)', async () => {
    const file = await ok(h, 'disk.folder.uploadfile', { id: folderId, data: { NAME: 'b.txt' }, fileContent: ['b.txt', b64('b')] });
    const res = await ok(h, 'batch', { cmd: { v: `disk.file.uploadversion?id=${file.ID}&fileContent[0]=b.txt&fileContent[1]=${encodeURIComponent(b64('c'))}` } });
    expect(res.result_error.v).toBeTruthy();
    expect(await download(await ok(h, 'disk.file.get', { id: file.ID }))).toBe('b');
  });

  it('deletes a file for good: true, then not found, gone from the folder', async () => {
    const file = await ok(h, 'disk.folder.uploadfile', { id: folderId, data: { NAME: 'удалить.docx' }, fileContent: ['удалить.docx', b64('z')] });
    expect(await ok(h, 'disk.file.delete', { id: file.ID })).toBe(true);
    expect((await ok(h, 'disk.folder.getchildren', { id: folderId })).map((o: { NAME: string }) => o.NAME)).not.toContain('удалить.docx');
    const again = await h.rest('disk.file.delete', { id: file.ID });
    expect(again.status).toBe(404);
    expect(again.body.error).toBe('ERROR_NOT_FOUND');
    expect((await h.rest('disk.file.get', { id: file.ID })).body.error).toBe('ERROR_NOT_FOUND');
    // The name is free again.
    expect((await ok(h, 'disk.folder.uploadfile', { id: folderId, data: { NAME: 'удалить.docx' }, fileContent: ['удалить.docx', b64('z')] })).NAME).toBe('удалить.docx');
  });

  it('does not delete a folder through disk.file.delete', async () => {
    expect((await h.rest('disk.file.delete', { id: folderId })).body.error).toBe('ERROR_NOT_FOUND');
    expect(await ok(h, 'disk.folder.get', { id: folderId })).toMatchObject({ ID: folderId, TYPE: 'folder' });
  });
});
