import { describe, expect, it } from 'vitest';
import {
  ageOn,
  applicationSchema,
  checkField,
  dealTitle,
  fieldIssues,
  normaliseDate,
  normaliseName,
  normalisePhone,
  PUBLIC_CATEGORIES,
} from '../../app/domain/membership/application.js';
import { safeFileName, sniffFile, WindowLimiter } from '../../app/http/public.js';
import { UPLOAD_LINK_TTL_MS, uploadLinkFor, verifyUploadToken } from '../../app/membership/upload-link.js';
import { loadManifest } from '../../app/registry/manifest.js';
import { Sealer } from '../../app/secrets.js';

const TODAY = '2025-06-10';
const valid = {
  lastName: 'Иванова',
  firstName: 'Мария',
  middleName: 'Петровна',
  birthDate: '01.02.1990',
  phone: '+7 912 345-67-89',
  email: 'maria@example.ru',
  orgId: 5,
  position: 'Инженер',
  consentProcessing: true,
  consentDistribution: false,
  publicCategories: [],
  idempotencyKey: 'abcdefghijklmnop',
};

describe('the application schema', () => {
  it('lists the same distribution categories as the manifest field', () => {
    const field = loadManifest().userFields.find((f) => f.key === 'deal.publicCategories') as unknown as { list: { xmlId: string; value: string }[] };
    expect(PUBLIC_CATEGORIES.map((c) => [c.key, c.label])).toEqual(field.list.map((i) => [i.xmlId, i.value]));
  });

  it('normalises names, phones, e-mails and dates', () => {
    expect(normaliseName('  иванова  -  петрова ')).toBe('Иванова-Петрова');
    expect(normaliseName('МАРИЯ   АННА')).toBe('Мария Анна');
    expect(normaliseName("д'артаньян")).toBe("Д'Артаньян");
    expect(normaliseName("де ла Крус")).toBe('де ла Крус');
    expect(normaliseName('МакДональд')).toBe('МакДональд');
    for (const p of ['+7 912 345-67-89', '8 (912) 345 67 89', '89123456789', '79123456789', '9123456789', '+7(912)345.67.89']) expect(normalisePhone(p), p).toBe('+79123456789');
    for (const p of ['12345', '+1 912 345 67 89', '+79123456', '0123456789', '8 912 345 67 89 1', 'телефон']) expect(normalisePhone(p), p).toBeNull();
    expect(normaliseDate('1.2.1990')).toBe('1990-02-01');
    expect(normaliseDate('1990-02-01')).toBe('1990-02-01');
    expect(normaliseDate('29.02.2023')).toBeNull();
    expect(normaliseDate('29.02.2024')).toBe('2024-02-29');
    const r = applicationSchema(TODAY).parse({ ...valid, email: '  Maria@Example.RU ', position: ' старший   инженер ' });
    expect(r).toMatchObject({ email: 'maria@example.ru', phone: '+79123456789', birthDate: '1990-02-01', position: 'старший инженер', middleName: 'Петровна' });
  });

  it('checks the age against the given today: 14 to 100 years', () => {
    expect(ageOn('2011-06-10', TODAY)).toBe(14);
    expect(ageOn('2011-06-11', TODAY)).toBe(13);
    expect(checkField('birthDate', '10.06.2011', TODAY)).toBeNull();
    expect(checkField('birthDate', '11.06.2011', TODAY)).toBe('Вступить в профсоюз можно с 14 лет');
    expect(checkField('birthDate', '10.06.1925', TODAY)).toBeNull();
    expect(checkField('birthDate', '09.06.1924', TODAY)).toBe('Проверьте год рождения');
    expect(checkField('birthDate', '11.06.2025', TODAY)).toBe('Дата рождения не может быть в будущем');
    expect(checkField('birthDate', '31.02.1990', TODAY)).toBe('Введите дату рождения в формате ДД.ММ.ГГГГ');
  });

  it('needs the consent to processing; categories count only with the consent to distribution', () => {
    const noConsent = applicationSchema(TODAY).safeParse({ ...valid, consentProcessing: false });
    expect(noConsent.success).toBe(false);
    if (!noConsent.success) expect(fieldIssues(noConsent.error)).toEqual([{ field: 'consentProcessing', message: 'Без согласия на обработку персональных данных заявление не может быть принято' }]);
    expect(applicationSchema(TODAY).parse({ ...valid, publicCategories: ['phone', 'full_name'] }).publicCategories).toEqual([]);
    expect(applicationSchema(TODAY).parse({ ...valid, consentDistribution: true, publicCategories: ['phone', 'full_name', 'phone'] }).publicCategories).toEqual(['full_name', 'phone']);
    expect(applicationSchema(TODAY).safeParse({ ...valid, consentDistribution: true, publicCategories: ['passport'] }).success).toBe(false);
  });

  it('titles the deal with the surname and initials', () => {
    expect(dealTitle({ lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна' })).toBe('Заявление о вступлении: Иванова М. П.');
    expect(dealTitle({ lastName: 'Smith', firstName: 'john', middleName: '' })).toBe('Заявление о вступлении: Smith J.');
  });
});

describe('the upload link', () => {
  const sealer = new Sealer('unit-test-secret');
  const now = Date.UTC(2025, 5, 10);

  it('round-trips the portal and the deal and expires after 45 days', () => {
    const link = uploadLinkFor(sealer, 'https://du.example.org/', 'member-1', 42, now);
    expect(link).toMatch(/^https:\/\/du\.example\.org\/upload\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const token = link.split('/').pop()!;
    expect(verifyUploadToken(sealer, token, now + UPLOAD_LINK_TTL_MS - 1)).toEqual({ ok: true, memberId: 'member-1', dealId: 42, expiresAt: now + UPLOAD_LINK_TTL_MS });
    expect(UPLOAD_LINK_TTL_MS).toBe(45 * 24 * 60 * 60 * 1000);
    expect(verifyUploadToken(sealer, token, now + UPLOAD_LINK_TTL_MS + 1)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('tells forged tokens from expired ones', () => {
    const token = uploadLinkFor(sealer, 'https://x', 'member-1', 42, now).split('/').pop()!;
    const [body, mac] = token.split('.') as [string, string];
    const other = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    expect(verifyUploadToken(sealer, `${Buffer.from(JSON.stringify({ ...other, d: 43 })).toString('base64url')}.${mac}`, now)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyUploadToken(new Sealer('another-secret'), token, now)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyUploadToken(sealer, 'garbage', now)).toEqual({ ok: false, reason: 'forged' });
    // A page session signed by the same app is not an upload token (and the reverse: no `m` claim here).
    const session = sealer.sign({ m: 'member-1', u: 1, a: true, n: 'Admin' }, 60_000, now);
    expect(verifyUploadToken(sealer, session, now)).toEqual({ ok: false, reason: 'forged' });
    expect(sealer.verify<Record<string, unknown>>(token, now)?.m).toBeUndefined();
  });
});

describe('uploaded files', () => {
  it('are recognised by their content, not their names', () => {
    expect(sniffFile(Buffer.from('%PDF-1.7\n…'))?.ext).toBe('pdf');
    expect(sniffFile(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))?.ext).toBe('jpg');
    expect(sniffFile(Buffer.from('89504e470d0a1a0a0000', 'hex'))?.ext).toBe('png');
    expect(sniffFile(Buffer.from('PK\u0003\u0004'))).toBeNull();
    expect(sniffFile(Buffer.from('GIF89a'))).toBeNull();
  });

  it('get safe names with their real extension', () => {
    const pdf = { ext: 'pdf', mime: 'application/pdf' } as const;
    const jpg = { ext: 'jpg', mime: 'image/jpeg' } as const;
    expect(safeFileName('C:\\Users\\me\\скан заявления.PDF', pdf, 0)).toBe('скан заявления.pdf');
    expect(safeFileName('../../etc/passwd', pdf, 0)).toBe('passwd.pdf');
    expect(safeFileName('photo.heic', jpg, 2)).toBe('photo.heic.jpg');
    expect(safeFileName('', jpg, 2)).toBe('документ-3.jpg');
    expect(safeFileName('a<b>:c"|?*\u0001.png', jpg, 0)).toBe('abc.jpg');
    expect([...safeFileName('я'.repeat(300), pdf, 0)].length).toBe(104);
  });
});

describe('the window limiter', () => {
  it('allows N hits per window per key and says how long to wait', () => {
    const l = new WindowLimiter(2, 1000);
    expect(l.hit('a', 0)).toBe(0);
    expect(l.hit('a', 100)).toBe(0);
    expect(l.hit('a', 200)).toBe(800);
    expect(l.hit('b', 200)).toBe(0);
    expect(l.hit('a', 1001)).toBe(0);
  });
});
