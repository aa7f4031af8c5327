import { describe, expect, it } from 'vitest';
import { eventSchema, frameSchema, normaliseEndpoint, parseDocumentId, parsePlacementOptions, parseWith, robotSchema } from '../../app/http/payloads.js';
import { AppError } from '../../app/errors.js';
import { contractFormBody, contractJson, parseForm } from '../helpers/contract.js';

describe('portal payload parsing', () => {
  it('parses the ONAPPINSTALL form body from the contract', () => {
    const p = parseWith(eventSchema, parseForm(contractFormBody('event-ONAPPINSTALL.form.txt')), 'event');
    expect(p.event).toBe('ONAPPINSTALL');
    expect(p.auth.member_id).toBe('a223c6b3710f85df22e9377d6c4f7553');
    expect(p.auth.client_endpoint).toBe('https://some-domain.bitrix24.com/rest/');
    expect(p.data.VERSION).toBe('1.0.0');
  });

  it('parses deal and smart-process update events', () => {
    const deal = parseWith(eventSchema, parseForm(contractFormBody('event-ONCRMDEALUPDATE.form.txt')), 'event');
    expect((deal.data.FIELDS as { ID: string }).ID).toBe('759');
    const spa = parseWith(eventSchema, parseForm(contractFormBody('event-ONCRMDYNAMICITEMUPDATE.form.txt')), 'event');
    expect(spa.event).toBe('ONCRMDYNAMICITEMUPDATE');
  });

  it('parses the robot call with its properties and document id', () => {
    const r = parseWith(robotSchema, parseForm(contractFormBody('robot-handler-request.form.txt')), 'robot');
    expect(r.document_id).toEqual(['crm', 'CCrmDocumentContact', 'CONTACT_109286']);
    expect(r.properties.comment).toBe('дефолтная строка - значение');
    expect(parseDocumentId(r.document_id)).toEqual({ entityTypeId: 3, id: 109286 });
  });

  it('parses the frame POST of a placement with its JSON options', () => {
    const { query, body } = contractJson<{ query: object; body: object }>('placement-CRM_DEAL_DETAIL_TAB.request.json');
    const f = parseWith(frameSchema, { ...query, ...body }, 'frame');
    expect(f.PLACEMENT).toBe('CRM_DEAL_DETAIL_TAB');
    expect(parsePlacementOptions(f.PLACEMENT_OPTIONS).ID).toBe('8061');
    expect(parsePlacementOptions('undefined')).toEqual({});
  });

  it('rejects bad input with a coded error naming the field', () => {
    const bad = parseForm(contractFormBody('event-ONCRMDEALUPDATE.form.txt')) as { auth: Record<string, unknown> };
    delete bad.auth.application_token;
    try {
      parseWith(eventSchema, bad, 'event');
      expect.fail('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VALIDATION_FAILED');
      expect((err as AppError).message).toContain('auth.application_token');
    }
    expect(() => parsePlacementOptions('{not json')).toThrow(AppError);
  });

  it('maps document ids of every CRM kind', () => {
    expect(parseDocumentId(['crm', 'CCrmDocumentDeal', 'DEAL_777'])).toEqual({ entityTypeId: 2, id: 777 });
    expect(parseDocumentId(['crm', 'Bitrix\\Crm\\Integration\\BizProc\\Document\\Dynamic', 'DYNAMIC_147_1'])).toEqual({ entityTypeId: 147, id: 1 });
    expect(parseDocumentId(['crm', 'x', 'ORDER_1'])).toBeNull();
  });

  it('keeps exactly one trailing slash on endpoints', () => {
    expect(normaliseEndpoint('https://x.bitrix24.ru/rest')).toBe('https://x.bitrix24.ru/rest/');
    expect(normaliseEndpoint('http://127.0.0.1:3100/rest//')).toBe('http://127.0.0.1:3100/rest/');
  });
});
