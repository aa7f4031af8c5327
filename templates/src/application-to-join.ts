/** Заявление о вступлении в члены профсоюза — to the chairman of the primary organisation. */
import type { ApplicationToJoinView } from '../../app/documents/catalog.js';
import { body, documentSpec, head, placeholders, signatureBlock, title } from './dsl.js';
import { t } from './ooxml.js';

const $ = placeholders<ApplicationToJoinView>();

export default documentSpec('Заявление о вступлении в члены профсоюза', 14, [
  head([t('Председателю')]),
  head([$.ins('organisation.nameGenitive')]),
  ...$.when('organisation.chairmanDative', [head([$.ins('organisation.chairmanDative')])]),
  head([t('от '), $.ins('applicant.genitive'), t(',')], { after: 0 }),
  head([t('дата рождения: '), $.ins('applicant.birthDate'), t(',')]),
  head([$.ins('applicant.workplace')]),
  ...$.when('applicant.contacts', [head([$.ins('applicant.contacts')])]),

  title('ЗАЯВЛЕНИЕ', { before: 36, after: 18 }),

  body([
    t('Прошу принять меня в члены '),
    $.ins('union.nameGenitive'),
    t(' и поставить на профсоюзный учёт в профсоюзной организации по месту работы.'),
  ]),
  body([
    t('С Уставом профсоюза '),
    $.ins('applicant.acquainted'),
    t(', признаю его и обязуюсь выполнять, уплачивать членские профсоюзные взносы и участвовать в работе профсоюзной организации.'),
  ]),

  ...signatureBlock([$.ins('date.quoted')], [$.ins('applicant.signature')], { before: 36 }),
]);
