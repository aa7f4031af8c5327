/**
 * Согласие на обработку персональных данных, разрешённых субъектом для распространения
 * (152-FZ art. 10.1; contents per Roskomnadzor order No. 18 of 24.02.2021): a table of categories,
 * each marked "разрешаю" or "запрещаю" from the applicant's choices.
 */
import type { ConsentDistributionView } from '../../app/documents/catalog.js';
import { body, documentSpec, placeholders, signatureBlock, title } from './dsl.js';
import { b, cell, p, t, type Table } from './ooxml.js';

const $ = placeholders<ConsentDistributionView>();

const COLUMNS = [1.1, 10.5, 2.7, 2.7];
const head = (text: string) => cell(p([b(text, { size: 11 })], { align: 'center' }), { shade: true, vAlign: 'center' });
const mark = { size: 14, font: 'Segoe UI Symbol' } as const;

const categories: Table = {
  kind: 'table',
  columns: COLUMNS,
  borders: true,
  rows: [
    { header: true, cells: [head('№'), head('Персональные данные'), head('Разрешаю'), head('Запрещаю')] },
    ...$.eachRow('distribution.categories', 'c', COLUMNS.length, (c) => ({
      cells: [
        cell(p([c.ins('number')], { align: 'center' }), { vAlign: 'center' }),
        cell(p([c.ins('label')]), { vAlign: 'center' }),
        cell(p([c.ins('allow', mark)], { align: 'center' }), { vAlign: 'center' }),
        cell(p([c.ins('deny', mark)], { align: 'center' }), { vAlign: 'center' }),
      ],
    })),
  ],
};

export default documentSpec('Согласие на обработку персональных данных, разрешённых для распространения', 12, [
  title('СОГЛАСИЕ', { before: 0 }),
  p([b('на обработку персональных данных, разрешённых субъектом персональных данных для распространения')], { align: 'center', after: 12, keepNext: true }),

  body(
    [
      t('Я, '),
      $.ins('applicant.fullName'),
      t(', дата рождения '),
      $.ins('applicant.birthDate'),
      ...$.inline('applicant.contacts', [t(', '), $.ins('applicant.contacts')]),
      t(', руководствуясь статьёй 10.1 Федерального закона от\u00a027.07.2006 №\u00a0152-ФЗ «О персональных данных», даю согласие оператору — '),
      $.ins('organisation.name'),
      ...$.inline('organisation.requisites', [t(' ('), $.ins('organisation.requisites'), t(')')]),
      t(' (далее — Оператор) на распространение моих персональных данных с целью информирования членов профсоюза и общественности о деятельности профсоюза и моём участии в ней (публикация новостей, поздравлений, сведений об участии в мероприятиях).'),
    ],
    { after: 6 },
  ),
  body([t('Информационные ресурсы Оператора, посредством которых осуществляется распространение: '), $.ins('distribution.resources'), t('.')], { after: 6 }),
  body('Категории и перечень персональных данных и моё решение о распространении каждой из них:', { after: 6, keepNext: true }),

  categories,

  body([b('Условия и запреты '), t('на обработку персональных данных неограниченным кругом лиц (часть 9 статьи 10.1 Федерального закона №\u00a0152-ФЗ): '), $.ins('distribution.conditions')], {
    before: 9,
    after: 3,
  }),
  body(
    'Условия, при которых полученные персональные данные могут передаваться Оператором только по его внутренней сети, обеспечивающей доступ к информации лишь для строго определённых сотрудников, либо с использованием информационно-телекоммуникационных сетей, либо без передачи полученных персональных данных: не устанавливаю.',
    { after: 3 },
  ),
  body(
    'Согласие действует со дня его подписания до дня его отзыва. Передача (распространение, предоставление, доступ) моих персональных данных должна быть прекращена в любое время по моему требованию, содержащему фамилию, имя, отчество, контактную информацию и перечень персональных данных, обработка которых подлежит прекращению (часть 12 статьи 10.1 Федерального закона №\u00a0152-ФЗ).',
  ),

  ...signatureBlock([$.ins('date.quoted')], [$.ins('applicant.signature')], { before: 24 }),
]);
