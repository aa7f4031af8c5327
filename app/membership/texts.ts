/** Russian texts the membership process sends to staff and applicants. Plain functions, no I/O. */
import { STATUS_TITLES, type MemberStatus } from '../domain/membership/status.js';
import { escapeHtml } from '../crm/messages.js';

const ruDate = (iso: string) => (iso ? iso.split('-').reverse().join('.') : '');
const dealLink = (portalUrl: string, dealId: number) => `[url=${portalUrl}/crm/deal/details/${dealId}/]заявление №${dealId}[/url]`;

export const staffTexts = {
  newApplication: (portalUrl: string, dealId: number, name: string, org: string, warnings: string[]) =>
    [`Новое ${dealLink(portalUrl, dealId)}: ${name}, ${org}. Документы сформированы и отправлены заявителю.`, ...warnings].join('\n'),
  alreadyHasStatus: (portalUrl: string, dealId: number, name: string, status: MemberStatus, where: string) =>
    `${dealLink(portalUrl, dealId)}: ${name} уже имеет статус «${STATUS_TITLES[status]}» (${where}). Укажите причину отказа в сделке и переведите её в «Решение отрицательное».`,
  noContact: (portalUrl: string, dealId: number) => `${dealLink(portalUrl, dealId)}: в сделке нет контакта заявителя. Укажите контакт и верните сделку на стадию «Новое заявление».`,
  noOrganisation: (portalUrl: string, dealId: number, named: string) =>
    `${dealLink(portalUrl, dealId)}: не удалось определить организацию${named ? ` «${named}»` : ''}. Выберите организацию заявителя в сделке и верните её на стадию «Новое заявление».`,
  signingReminder: (portalUrl: string, dealId: number, name: string, days: number) =>
    `${dealLink(portalUrl, dealId)}: ${name} не прислал(а) подписанные документы за ${days} дн. Заявителю отправлено напоминание; позвоните ему.`,
  signingClosed: (portalUrl: string, dealId: number, name: string, days: number) =>
    `${dealLink(portalUrl, dealId)}: подписанные документы от ${name} не получены за ${days} дн. Заявление закрыто с отрицательным решением.`,
  signedReceived: (portalUrl: string, dealId: number, name: string, count: number) =>
    `${dealLink(portalUrl, dealId)}: получены подписанные документы от ${name} (файлов: ${count}). Подготовьте постановление.`,
  toEmployer: (portalUrl: string, dealId: number, name: string, org: string) =>
    `${dealLink(portalUrl, dealId)}: заявление ${name} (${org}) об удержании членских взносов передаётся работодателю. Проверьте начало удержаний.`,
};

const letter = (paragraphs: string[]) => paragraphs.map((p) => `<p>${p}</p>`).join('\n');

export const applicantTexts = {
  documents: (firstName: string, uploadUrl: string, unionName: string) => ({
    subject: 'Документы для вступления в профсоюз',
    html: letter([
      `Здравствуйте, ${escapeHtml(firstName)}!`,
      `Мы получили ваше заявление о вступлении в профсоюз. Во вложении четыре документа: заявление о вступлении, согласие на обработку персональных данных, согласие на распространение персональных данных и заявление работодателю об удержании членских взносов.`,
      `Распечатайте их, подпишите и загрузите сканы или фотографии по ссылке: <a href="${escapeHtml(uploadUrl)}">${escapeHtml(uploadUrl)}</a>. Можно также передать подписанные документы председателю вашей профсоюзной организации.`,
      `С уважением, ${escapeHtml(unionName)}`,
    ]),
  }),
  reminder: (firstName: string, uploadUrl: string, unionName: string) => ({
    subject: 'Напоминание: подпишите документы для вступления в профсоюз',
    html: letter([
      `Здравствуйте, ${escapeHtml(firstName)}!`,
      `Мы пока не получили подписанные документы для вступления в профсоюз. Документы ещё раз во вложении.`,
      `Загрузите сканы или фотографии подписанных документов по ссылке: <a href="${escapeHtml(uploadUrl)}">${escapeHtml(uploadUrl)}</a>.`,
      `С уважением, ${escapeHtml(unionName)}`,
    ]),
  }),
  approved: (firstName: string, date: string, unionName: string) => ({
    subject: 'Вы приняты в члены профсоюза',
    html: letter([`Здравствуйте, ${escapeHtml(firstName)}!`, `Поздравляем: с ${ruDate(date)} вы член профсоюза.`, `С уважением, ${escapeHtml(unionName)}`]),
  }),
  refused: (firstName: string, reason: string, unionName: string) => ({
    subject: 'Решение по заявлению о вступлении в профсоюз',
    html: letter([
      `Здравствуйте, ${escapeHtml(firstName)}!`,
      `По вашему заявлению о вступлении в профсоюз принято отрицательное решение.`,
      `Причина: ${escapeHtml(reason || 'не указана')}.`,
      `Если у вас есть вопросы, обратитесь к председателю вашей профсоюзной организации.`,
      `С уважением, ${escapeHtml(unionName)}`,
    ]),
  }),
};

export const REASON_DOCUMENTS_NOT_PROVIDED = 'Подписанные документы не предоставлены в срок';
