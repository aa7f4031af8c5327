/**
 * Постановление (выписка из постановления) профсоюзного комитета о приёме в члены профсоюза.
 * One resolution may admit several people (admission by list): the members are a FOR list.
 */
import type { ResolutionView } from '../../app/documents/catalog.js';
import { body, documentSpec, officialSignature, placeholders, RED_LINE, TEXT_WIDTH } from './dsl.js';
import { b, p, t, tab } from './ooxml.js';

const $ = placeholders<ResolutionView>();

export default documentSpec('Постановление профкома о приёме в члены профсоюза', 14, [
  p([$.ins('union.name', { size: 12 })], { align: 'center' }),
  p([$.ins('organisation.name', { bold: true })], { align: 'center', before: 6 }),
  p([b('ПРОФСОЮЗНЫЙ КОМИТЕТ')], { align: 'center', before: 6, after: 0, borderBottom: true }),

  p([$.ins('resolution.title', { bold: true, spacing: 2 })], { align: 'center', before: 18, after: 12, keepNext: true }),
  p([$.ins('resolution.date.long'), tab, $.ins('resolution.city'), tab, t('№\u00a0'), $.ins('resolution.number')], {
    tabs: [
      { pos: TEXT_WIDTH / 2, align: 'center' },
      { pos: TEXT_WIDTH, align: 'right' },
    ],
    after: 18,
  }),

  p([b('О приёме в члены профсоюза')], { after: 12, keepNext: true }),

  body([t('Рассмотрев '), $.ins('resolution.applications'), t(' о вступлении в члены профсоюза и руководствуясь Уставом профсоюза, профсоюзный комитет')], { keepNext: true }),
  p([b('ПОСТАНОВЛЯЕТ:', { spacing: 1 })], { before: 6, after: 6, keepNext: true }),

  body([t('1. Принять в члены '), $.ins('union.nameGenitive'), t(' с '), $.ins('resolution.admissionDate.long'), t(':')], { keepNext: true }),
  ...$.each('members', 'm', (m) => [p([m.ins('number'), t(') '), m.ins('line'), t(';')], { align: 'both', indentLeft: RED_LINE })]),
  body('2. Поставить на профсоюзный учёт и внести сведения в реестр членов профсоюза.'),
  body('3. Заявления об удержании членских профсоюзных взносов передать работодателю (статья 377 Трудового кодекса Российской Федерации).', { keepNext: true }),

  // The resolution itself is signed; an extract shows the signatory typed and is certified below.
  ...$.unless('resolution.isExtract', officialSignature([t('Председатель')], [$.ins('organisation.chairmanSignature')], { before: 36 })),
  ...$.when('resolution.isExtract', [
    p([t('Председатель'), tab, $.ins('organisation.chairmanSignature')], { before: 24, tabs: [{ pos: TEXT_WIDTH, align: 'right' }], keepNext: true }),
    p([b('Выписка верна')], { before: 24, keepNext: true }),
    ...officialSignature([t('Председатель')], [$.ins('organisation.chairmanSignature')], { before: 6 }),
    p([t('«___» ____________ 20___ г.')], { before: 12 }),
  ]),
]);
