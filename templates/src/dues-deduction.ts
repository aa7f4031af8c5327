/** Заявление работодателю об удержании членских профсоюзных взносов (Labour Code art. 377). */
import type { DuesDeductionView } from '../../app/documents/catalog.js';
import { body, documentSpec, head, placeholders, signatureBlock, title } from './dsl.js';
import { t } from './ooxml.js';

const $ = placeholders<DuesDeductionView>();

export default documentSpec('Заявление об удержании членских профсоюзных взносов', 14, [
  head([$.ins('employer.headTitleDative')]),
  head([$.ins('employer.name')]),
  ...$.when('employer.headDative', [head([$.ins('employer.headDative')])]),
  head([t('от '), $.ins('applicant.genitive'), t(',')]),
  head([$.ins('applicant.workplace')]),

  title('ЗАЯВЛЕНИЕ', { before: 36, after: 18 }),

  body([
    t('В соответствии со статьёй 377 Трудового кодекса Российской Федерации прошу ежемесячно удерживать из моей заработной платы членские профсоюзные взносы в размере '),
    $.ins('dues.percent'),
    t(' и перечислять их на счёт '),
    $.ins('organisation.nameGenitive'),
    t('.'),
  ]),
  ...$.when('organisation.duesAccount', [body([t('Реквизиты для перечисления: '), $.ins('organisation.duesAccount'), t('.')])]),
  body('Настоящее заявление действует до его отзыва мною в письменной форме.'),

  ...signatureBlock([$.ins('date.quoted')], [$.ins('applicant.signature')], { before: 36 }),
]);
