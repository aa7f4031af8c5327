/** Server-rendered pages of the shell (all user data goes through the escaping `html` builder). */
import { formatIso } from '../clock.js';
import { getItem } from '../crm/items.js';
import { ENTITY } from '../crm/stages.js';
import type { CrmActivityRec, EmailRecord, NotificationRecord, PlacementRec, SandboxState } from '../types.js';
import { escapeHtml, html, json, raw, type HtmlValue, type SafeHtml } from './html.js';
import { APP_TITLE, renderPage, type PageContext } from './layout.js';
import {
  boardItems,
  boards,
  boardStages,
  cardModel,
  cellText,
  entityInfo,
  fieldDef,
  itemName,
  itemUrl,
  listRows,
  placementTitle,
  primaryContact,
  ruDateTime,
  ruDateTimeMs,
  ufColumns,
  userById,
  userName,
  type Board,
  type DisplayPart,
  type Editor,
  type FieldRow,
} from './model.js';

const SAFE_COLOR = /^#[0-9a-f]{3,8}$/i;

function color(c: string): string {
  return SAFE_COLOR.test(c) ? c : '#39a8ef';
}

function parts(ps: DisplayPart[], empty: HtmlValue = html`<span class="muted">не заполнено</span>`): HtmlValue {
  if (ps.length === 0) return empty;
  return ps.map(
    (p, i) =>
      html`${i > 0 ? html`<span class="sep">, </span>` : ''}${
        p.href ? html`<a href="${p.href}"${p.download ? html` download data-testid="file-link"` : ''}>${p.text}</a>` : html`<span>${p.text}</span>`
      }`,
  );
}

function pageHead(title: HtmlValue, extra: HtmlValue = ''): SafeHtml {
  return html`<div class="page-head"><h1 class="page-title">${title}</h1>${extra}</div>`;
}

// ---------------------------------------------------------------- home

export function homePage(ctx: PageContext): string {
  const { state } = ctx.portal;
  const { deals, types } = boards(state);
  const count = (b: Board) => boardItems(state, b.entityTypeId, b.categoryId).length;
  const row = (b: Board, kind: string) =>
    html`<tr><td>${kind}</td><td><a href="${b.url}">${b.title}</a></td><td class="num">${count(b)}</td></tr>`;
  const body = html`${pageHead('Рабочий стол')}
  <div class="grid2">
    <section class="panel">
      <h2>Воронки и смарт-процессы</h2>
      <table class="table"><thead><tr><th>Что</th><th>Название</th><th class="num">Элементов</th></tr></thead>
      <tbody>${deals.map((b) => row(b, 'Сделки'))}${types.map((b) => row(b, 'Смарт-процесс'))}</tbody></table>
    </section>
    <section class="panel">
      <h2>Портал</h2>
      <dl class="facts">
        <dt>Адрес</dt><dd>${ctx.portal.urls.portalUrl}</dd>
        <dt>member_id</dt><dd><code>${state.memberId}</code></dd>
        <dt>Приложение</dt><dd>${state.app.installed ? 'установлено' : 'не установлено'}, версия ${state.app.version}</dd>
        <dt>Обработчики событий</dt><dd>${state.eventBindings.length}</dd>
        <dt>Встраивания</dt><dd>${state.placements.length ? state.placements.map((p) => p.placement).join(', ') : 'нет'}</dd>
        <dt>Роботы приложения</dt><dd>${state.robots.length ? state.robots.map((r) => r.code).join(', ') : 'нет'}</dd>
        <dt>Контакты / компании</dt><dd>${listRows(state, ENTITY.CONTACT).length} / ${listRows(state, ENTITY.COMPANY).length}</dd>
      </dl>
      <p><a class="btn btn-primary" href="/marketplace/app/">Открыть «${APP_TITLE}»</a></p>
    </section>
  </div>`;
  return renderPage(ctx, { title: 'Рабочий стол', body });
}

// ---------------------------------------------------------------- boards

function boardTabs(state: SandboxState, current: Board): SafeHtml {
  const siblings = [...boards(state).deals, ...boards(state).types].filter((b) => b.entityTypeId === current.entityTypeId);
  if (siblings.length < 2) return html``;
  return html`<nav class="pipelines" aria-label="Воронки">${siblings.map(
    (b) => html`<a class="pill${b.categoryId === current.categoryId ? ' active' : ''}" href="${b.url}">${b.title}</a>`,
  )}</nav>`;
}

export function boardPage(ctx: PageContext, board: Board): string {
  const { state } = ctx.portal;
  const info = entityInfo(state, board.entityTypeId)!;
  const items = boardItems(state, board.entityTypeId, board.categoryId);
  const title = board.entityTypeId === ENTITY.DEAL ? `Сделки: ${board.title}` : board.title;
  if (!board.kanban) return listPage(ctx, board.entityTypeId, { title, items });
  const stages = boardStages(state, board.entityTypeId, board.categoryId);
  const stageOptions = (current: unknown) =>
    stages.map((s) => html`<option value="${s.statusId}"${s.statusId === current ? ' selected' : ''}>${s.name}</option>`);
  const card = (item: (typeof items)[number]) => {
    const contact = primaryContact(state, item);
    const company = Number(item.data['companyId'] ?? 0) ? getItem(state, ENTITY.COMPANY, Number(item.data['companyId'])) : undefined;
    const responsible = userName(userById(state, item.data['assignedById']));
    return html`<article class="kcard" draggable="true" data-id="${item.id}" data-testid="card-${item.id}">
      <a class="kcard-title" href="${itemUrl(board.entityTypeId, item.id)}" data-testid="card-link-${item.id}">${itemName(item)}</a>
      <div class="kcard-id">${info.single} #${item.id}</div>
      ${responsible ? html`<div class="kcard-row"><span class="k">Ответственный</span> <span data-testid="card-responsible">${responsible}</span></div>` : ''}
      ${contact ? html`<div class="kcard-row"><span class="k">Контакт</span> <a href="${itemUrl(ENTITY.CONTACT, contact.id)}">${itemName(contact)}</a></div>` : ''}
      ${company ? html`<div class="kcard-row"><span class="k">Компания</span> <a href="${itemUrl(ENTITY.COMPANY, company.id)}">${itemName(company)}</a></div>` : ''}
      <label class="kcard-move"><span class="sr">Стадия</span>
        <select data-move="${item.id}" data-testid="move-${item.id}" aria-label="Перенести на стадию">${stageOptions(item.data['stageId'])}</select>
      </label>
    </article>`;
  };
  const unknownStage = items.filter((i) => !stages.some((s) => s.statusId === i.data['stageId']));
  const body = html`${pageHead(title, html`<span class="muted">${items.length} ${items.length === 1 ? 'элемент' : 'элементов'} · перетащите карточку или выберите стадию</span>`)}
  ${boardTabs(state, board)}
  <div class="kanban" data-board data-entity-type-id="${board.entityTypeId}" data-category-id="${board.categoryId}" data-testid="board">
    ${stages.map((s) => {
      const inStage = items.filter((i) => i.data['stageId'] === s.statusId);
      return html`<section class="kcol" data-stage-id="${s.statusId}" data-testid="stage-${s.statusId}">
        <header class="kcol-head" style="--stage:${color(s.color)}"><span class="kcol-name">${s.name}</span><span class="kcol-count">${inStage.length}</span></header>
        <div class="kcol-body" data-drop="${s.statusId}">${inStage.map(card)}</div>
      </section>`;
    })}
    ${unknownStage.length
      ? html`<section class="kcol"><header class="kcol-head" style="--stage:#a8adb4"><span class="kcol-name">Без стадии</span><span class="kcol-count">${unknownStage.length}</span></header><div class="kcol-body">${unknownStage.map(card)}</div></section>`
      : ''}
  </div>`;
  return renderPage(ctx, { title, body, wide: true });
}

// ---------------------------------------------------------------- lists

export function listPage(ctx: PageContext, entityTypeId: number, opts: { title?: string; items?: ReturnType<typeof listRows> } = {}): string {
  const { state } = ctx.portal;
  const info = entityInfo(state, entityTypeId)!;
  const items = opts.items ?? listRows(state, entityTypeId);
  const ufs = ufColumns(state, entityTypeId);
  const isContact = entityTypeId === ENTITY.CONTACT;
  const companyDef = fieldDef(state, entityTypeId, 'COMPANY_ID');
  const title = opts.title ?? info.title;
  const body = html`${pageHead(title, html`<span class="muted">${items.length}</span>`)}
  <section class="panel flush">
  <table class="table" data-testid="list-${info.kind}">
    <thead><tr><th class="num">ID</th><th>${isContact ? 'ФИО' : 'Название'}</th>${companyDef ? html`<th>Компания</th>` : ''}<th>Ответственный</th>${ufs.map((d) => html`<th>${d.title}</th>`)}<th>Создан</th></tr></thead>
    <tbody>
    ${items.length === 0 ? html`<tr><td colspan="${5 + ufs.length}" class="muted">Пока ничего нет</td></tr>` : ''}
    ${items.map(
      (i) => html`<tr data-testid="row-${i.id}">
        <td class="num">${i.id}</td>
        <td><a href="${itemUrl(entityTypeId, i.id)}">${itemName(i)}</a></td>
        ${companyDef ? html`<td>${parts(cellText(state, i, companyDef), '')}</td>` : ''}
        <td>${userName(userById(state, i.data['assignedById']))}</td>
        ${ufs.map((d) => html`<td>${parts(cellText(state, i, d), '')}</td>`)}
        <td class="nowrap">${ruDateTime(i.data['createdTime'])}</td>
      </tr>`,
    )}
    </tbody>
  </table>
  </section>`;
  return renderPage(ctx, { title, body });
}

// ---------------------------------------------------------------- card

function editorHtml(row: FieldRow, e: Editor): SafeHtml {
  const id = `f-${row.key}`;
  const common = (initial: unknown) => html`data-editor="${e.kind}" data-key="${row.key}" data-initial="${json(initial)}" data-testid="field-${row.key}" id="${id}"`;
  switch (e.kind) {
    case 'text':
      return html`<input type="text" class="input" ${common(e.value)} value="${e.value}">`;
    case 'number':
      return html`<input type="text" inputmode="decimal" class="input" ${common(e.value)} value="${e.value}">`;
    case 'date':
      return html`<input type="date" class="input" ${common(e.value)} value="${e.value}">`;
    case 'datetime':
      return html`<input type="datetime-local" class="input" ${common(e.value)} value="${e.value}">`;
    case 'textarea':
      return html`<textarea class="input" rows="3" ${common(e.value)}>${e.value}</textarea>`;
    case 'lines':
      return html`<textarea class="input" rows="3" placeholder="по одному значению в строке" ${common(e.value)}>${e.value}</textarea>`;
    case 'checkbox':
      return html`<label class="check"><input type="checkbox" ${common(e.value)}${e.value ? ' checked' : ''}> <span>Да</span></label>`;
    case 'select': {
      const known = e.choices.some((c) => c.value === e.value);
      return html`<select class="input" ${common(e.value)}>
        <option value="">— не выбрано —</option>
        ${!known && e.value ? html`<option value="${e.value}" selected>${e.value}</option>` : ''}
        ${e.choices.map((c) => html`<option value="${c.value}"${c.value === e.value ? ' selected' : ''}>${c.label}</option>`)}
      </select>`;
    }
    case 'checks':
      return html`<div class="checks" ${common(e.value)}>
        ${e.choices.length === 0 ? html`<span class="muted">нет вариантов</span>` : ''}
        ${e.choices.map(
          (c) => html`<label class="check"><input type="checkbox" value="${c.value}"${e.value.includes(c.value) ? ' checked' : ''}> <span>${c.label}</span></label>`,
        )}
      </div>`;
    case 'file':
      return html`<div class="files" data-multiple="${e.multiple ? '1' : '0'}" ${common(e.files.map((f) => f.id))}>
        ${e.files.map(
          (f) => html`<label class="check"><input type="checkbox" data-keep value="${f.id}" checked> <span>${f.name}</span></label>`,
        )}
        <input type="file" class="file-input"${e.multiple ? ' multiple' : ''} data-testid="file-${row.key}" aria-label="Загрузить файл">
      </div>`;
  }
}

function fieldRows(rows: FieldRow[]): SafeHtml {
  return html`${rows.map(
    (r) => html`<div class="frow${r.editor ? ' editable' : ''}" data-row="${r.key}">
      <label class="flabel"${r.editor ? html` for="f-${r.key}"` : ''}>${r.label}${r.required ? html`<span class="req" title="обязательное">*</span>` : ''}</label>
      <div class="fvalue" data-testid="value-${r.key}">${parts(r.display)}</div>
      ${r.editor ? html`<div class="feditor">${editorHtml(r, r.editor)}</div>` : ''}
    </div>`,
  )}`;
}

function history(state: SandboxState, entityTypeId: number, id: number): SafeHtml {
  const kind = entityInfo(state, entityTypeId)?.kind;
  const timelineType = kind === 'type' ? `dynamic_${entityTypeId}` : kind;
  const comments = state.timelineComments.filter((c) => c.entityType === timelineType && Number(c.entityId) === id);
  const activities = state.activities.filter((a) => a.ownerTypeId === entityTypeId && a.ownerId === id);
  type Entry = { at: number; html: SafeHtml };
  const entries: Entry[] = [
    ...comments.map((c) => ({
      at: c.created,
      html: html`<div class="tl-kind">Комментарий · ${userName(userById(state, c.authorId))}</div><div class="tl-text">${bb(c.comment)}</div>${
        c.fileIds.length ? html`<div class="tl-files">${parts(c.fileIds.map((fid) => fileLink(state, fid)), '')}</div>` : ''
      }`,
    })),
    ...activities.map((a) => ({
      at: a.created,
      html: html`<div class="tl-kind">${activityKind(a)} · ${userName(userById(state, a.responsibleId))}${a.deadline ? html` · срок ${ruDateTime(a.deadline)}` : ''}${a.completed === 'Y' ? ' · завершено' : ''}</div>
        <div class="tl-text"><b>${a.subject}</b></div>${a.description ? html`<div class="tl-text">${a.descriptionType === 3 ? stripTags(a.description) : a.description}</div>` : ''}`,
    })),
  ].sort((a, b) => b.at - a.at);
  if (entries.length === 0) return html`<p class="muted">В истории пока ничего нет.</p>`;
  return html`<ol class="timeline" data-testid="timeline">${entries.map((e) => html`<li><time>${ruDateTimeMs(e.at)}</time>${e.html}</li>`)}</ol>`;
}

function activityKind(a: CrmActivityRec): string {
  if (a.providerId === 'CRM_TODO') return 'Дело';
  if (a.typeId === 4) return a.direction === 2 ? 'Исходящее письмо' : 'Письмо';
  if (a.typeId === 2) return 'Звонок';
  return 'Активность';
}

function fileLink(state: SandboxState, id: number): DisplayPart {
  const f = state.files.find((x) => x.id === id);
  return { text: f?.name ?? `файл #${id}`, href: `/bitrix/services/main/ajax.php?action=crm.controller.item.getFile&fileId=${id}`, download: true };
}

function frameHost(name: string, spec: Record<string, unknown>, opts: { autoload?: boolean; testId: string }): SafeHtml {
  return html`<div class="frame-host" data-frame="${json(spec)}"${opts.autoload ? ' data-autoload' : ''}>
    <div class="frame-loading muted">Загрузка приложения…</div>
    <iframe name="${name}" class="app-frame" data-testid="${opts.testId}" title="Приложение"></iframe>
  </div>`;
}

export function cardPage(ctx: PageContext, entityTypeId: number, id: number): string | null {
  const { state } = ctx.portal;
  const m = cardModel(state, entityTypeId, id);
  if (!m) return null;
  const { item, info } = m;
  const name = itemName(item);
  const stages = info.hasStages
    ? boardStages(state, entityTypeId, entityTypeId === ENTITY.LEAD ? null : Number(item.data['categoryId'] ?? 0))
    : [];
  const currentIdx = stages.findIndex((s) => s.statusId === item.data['stageId']);
  const stageBar = stages.length
    ? html`<div class="stagebar" data-testid="stagebar">${stages.map(
        (s, i) =>
          html`<button type="button" class="stage${i <= currentIdx ? ' passed' : ''}${i === currentIdx ? ' current' : ''}" style="--stage:${color(s.color)}" data-stage-move="${s.statusId}" data-testid="stagebar-${s.statusId}" title="Перевести на стадию «${s.name}»">${s.name}</button>`,
      )}</div>`
    : '';
  const category = Number(item.data['categoryId'] ?? 0);
  const back =
    entityTypeId === ENTITY.CONTACT ? '/crm/contact/list/' : entityTypeId === ENTITY.COMPANY ? '/crm/company/list/' : info.hasStages || info.kind === 'type' ? (entityTypeId === ENTITY.DEAL ? `/crm/deal/category/${category}/` : `/crm/type/${entityTypeId}/category/${category}/`) : '/';
  const tabs: { id: string; label: string; testId: string }[] = [
    { id: 'main', label: 'Общие', testId: 'tab-main' },
    ...m.placements.map((p) => ({ id: `p${p.id}`, label: placementTitle(p), testId: `tab-placement-${p.id}` })),
    { id: 'history', label: 'История', testId: 'tab-history' },
  ];
  const body = html`<div class="card-page" data-card data-entity-type-id="${entityTypeId}" data-id="${item.id}">
    <div class="page-head">
      <a class="back" href="${back}" title="Назад">←</a>
      <h1 class="page-title" data-testid="card-title">${name}</h1>
      <span class="badge">${info.single} #${item.id}</span>
    </div>
    ${stageBar}
    <nav class="tabs" role="tablist">${tabs.map(
      (t, i) => html`<button type="button" role="tab" class="tab${i === 0 ? ' active' : ''}" data-tab="${t.id}" data-testid="${t.testId}">${t.label}</button>`,
    )}</nav>
    <section class="tab-panel" data-panel="main">
      <form class="card-form" data-card-form novalidate>
        <div class="card-cols">
          <div class="panel">
            <h2>О ${info.kind === 'contact' ? 'контакте' : info.kind === 'company' ? 'компании' : info.kind === 'deal' ? 'сделке' : 'элементе'}</h2>
            ${fieldRows(m.main)}
            ${m.multifields.length
              ? html`<div class="frow"><div class="flabel">Телефоны и e-mail</div><div class="fvalue">${m.multifields.map(
                  (f) => html`<div>${f.typeId === 'EMAIL' ? html`<a href="mailto:${f.value}">${f.value}</a>` : f.value} <span class="muted">${f.typeId} · ${f.valueType}</span></div>`,
                )}</div></div>`
              : ''}
          </div>
          <div class="panel">
            <h2>Пользовательские поля</h2>
            ${m.userFields.length ? fieldRows(m.userFields) : html`<p class="muted">Пользовательских полей нет.</p>`}
          </div>
        </div>
        <details class="panel other-fields"><summary>Прочие поля</summary>${fieldRows(m.other)}</details>
        <div class="form-actions">
          <button type="button" class="btn btn-primary" data-action="edit" data-testid="card-edit">Изменить</button>
          <button type="submit" class="btn btn-success" data-testid="card-save">Сохранить</button>
          <button type="button" class="btn btn-light" data-action="cancel" data-testid="card-cancel">Отменить</button>
        </div>
      </form>
    </section>
    ${m.placements.map(
      (p) => html`<section class="tab-panel" data-panel="p${p.id}" hidden>
        ${frameHost(`du-frame-p${p.id}`, { placementId: p.id, options: { ID: String(item.id) } }, { testId: `placement-frame-${p.id}` })}
      </section>`,
    )}
    <section class="tab-panel" data-panel="history" hidden><div class="panel">${history(state, entityTypeId, item.id)}</div></section>
  </div>`;
  return renderPage(ctx, { title: name, body });
}

// ---------------------------------------------------------------- the app's pages

export function appPage(ctx: PageContext): string {
  const { state } = ctx.portal;
  let content: SafeHtml;
  if (!state.app.installed) {
    content = html`<section class="panel notice" data-testid="app-not-installed">
      <h2>Приложение не установлено</h2>
      <p>«${APP_TITLE}» ещё не установлено на этот портал (или установка не завершена).</p>
      <p><a class="btn btn-primary" href="/marketplace/app/install/" data-testid="app-install">Установить</a></p>
      <p class="muted">Установка открывает страницу установщика приложения (installUrl) во фрейме; она настраивает портал и вызывает installFinish.</p>
    </section>`;
  } else {
    content = frameHost('du-frame-app', { placement: 'DEFAULT' }, { autoload: true, testId: 'app-frame' });
  }
  const body = html`${pageHead(APP_TITLE, html`<span class="muted">Приложения → ${APP_TITLE}</span>`)}${content}`;
  return renderPage(ctx, { title: APP_TITLE, body });
}

export function installPage(ctx: PageContext): string {
  const body = html`${pageHead(`Установка «${APP_TITLE}»`)}
    <div class="install-banner" data-install-banner hidden data-testid="install-finished">
      Установка завершена (installFinish). <a href="/marketplace/app/" class="btn btn-primary">Открыть приложение</a>
    </div>
    ${frameHost('du-frame-install', { install: true }, { autoload: true, testId: 'install-frame' })}`;
  return renderPage(ctx, { title: 'Установка приложения', body });
}

export function placementPage(ctx: PageContext, p: PlacementRec): string {
  const title = placementTitle(p);
  const body = html`${pageHead(title, html`<span class="muted">${p.placement}</span>`)}
    ${frameHost(`du-frame-p${p.id}`, { placementId: p.id }, { autoload: true, testId: `placement-frame-${p.id}` })}`;
  return renderPage(ctx, { title, body });
}

// ---------------------------------------------------------------- notifications and mail

/** The BB-codes notifications use ([b], [i], [u], [br], [url=…]…[/url]) on already escaped text. */
export function bb(text: string): SafeHtml {
  let s = escapeHtml(text);
  s = s.replace(/\[(b|i|u|s)\]([\s\S]*?)\[\/\1\]/gi, (_m, tag: string, inner: string) => `<${tag.toLowerCase()}>${inner}</${tag.toLowerCase()}>`);
  s = s.replace(/\[br\]/gi, '<br>');
  s = s.replace(/\[url=([^\]\s]+)\]([\s\S]*?)\[\/url\]/gi, (_m, href: string, inner: string) =>
    /^(https?:\/\/|\/(?![/\\]))/i.test(href) ? `<a href="${href}" target="_blank" rel="noopener">${inner}</a>` : inner,
  );
  s = s.replace(/\[url\](https?:\/\/[^[\s]+)\[\/url\]/gi, (_m, href: string) => `<a href="${href}" target="_blank" rel="noopener">${href}</a>`);
  s = s.replace(/\r?\n/g, '<br>');
  return raw(s);
}

function stripTags(s: string): string {
  const text = s
    .replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|h[1-6]|tr|table|ul|ol)>/gi, '\n').replace(/<[^>]*>/g, '').replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return text.replace(/\n{3,}/g, '\n\n').trim();
}

/** Names (and links) found in an im ATTACH structure: blocks with NAME/LINK, FILE, MESSAGE. */
function attachParts(attach: unknown, out: DisplayPart[] = [], depth = 0): DisplayPart[] {
  if (depth > 6 || attach === null || attach === undefined) return out;
  if (Array.isArray(attach)) {
    for (const a of attach) attachParts(a, out, depth + 1);
    return out;
  }
  if (typeof attach !== 'object') return out;
  const o = attach as Record<string, unknown>;
  const name = o['NAME'] ?? o['name'];
  const link = o['LINK'] ?? o['link'];
  if (typeof name === 'string' && name) {
    const href = typeof link === 'string' && /^(https?:\/\/|\/(?![/\\]))/i.test(link) ? link : undefined;
    out.push(href ? { text: name, href } : { text: name });
  }
  for (const v of Object.values(o)) if (typeof v === 'object') attachParts(v, out, depth + 1);
  return out;
}

export function notificationsPage(ctx: PageContext, onlyMine: boolean): string {
  const { state } = ctx.portal;
  const all = [...state.notifications].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  const list = onlyMine ? all.filter((n) => n.userId === ctx.user.id) : all;
  const row = (n: NotificationRecord) => {
    const att = attachParts(n.attach);
    return html`<li class="note${n.userId === ctx.user.id ? ' mine' : ''}" data-testid="notification-${n.id}">
      <div class="note-head"><span class="note-kind">${n.kind === 'system' ? 'Системное' : `От: ${userName(userById(state, n.fromUserId)) || '—'}`}</span>
        <span>Кому: <b>${userName(userById(state, n.userId)) || `#${n.userId}`}</b></span>
        <time>${ruDateTimeMs(n.createdAt)}</time>
        ${n.tag ? html`<span class="muted" title="TAG">${n.tag}</span>` : ''}</div>
      <div class="note-text">${bb(n.message)}</div>
      ${att.length ? html`<div class="note-attach">Вложения: ${parts(att, '')}</div>` : ''}
    </li>`;
  };
  const body = html`${pageHead('Уведомления', html`<nav class="pipelines">
      <a class="pill${onlyMine ? '' : ' active'}" href="/notifications/">Все (${all.length})</a>
      <a class="pill${onlyMine ? ' active' : ''}" href="/notifications/?mine=1" data-testid="notifications-mine">Мои (${all.filter((n) => n.userId === ctx.user.id).length})</a>
    </nav>`)}
    ${list.length ? html`<ul class="notes" data-testid="notifications">${list.map(row)}</ul>` : html`<section class="panel"><p class="muted">Уведомлений нет.</p></section>`}`;
  return renderPage(ctx, { title: 'Уведомления', body });
}

/** Attachment names of a sent e-mail (the portal keeps the names of the attached Drive files). */
function emailAttachments(e: EmailRecord): DisplayPart[] {
  const list: unknown = (e as unknown as { attachments?: unknown }).attachments;
  if (!Array.isArray(list)) return [];
  return list.flatMap((a: unknown): DisplayPart[] => {
    if (typeof a === 'string' && a) return [{ text: a }];
    const name = a && typeof a === 'object' ? (a as Record<string, unknown>)['name'] : undefined;
    return typeof name === 'string' && name ? [{ text: name }] : [];
  });
}

export function mailPage(ctx: PageContext): string {
  const { state } = ctx.portal;
  const list = [...state.emails].sort((a, b) => b.sentAt - a.sentAt || b.activityId - a.activityId);
  const row = (e: EmailRecord) => {
    const owner = getItem(state, e.ownerTypeId, e.ownerId);
    const att = emailAttachments(e);
    const text = e.descriptionType === 3 ? stripTags(e.body) : e.body;
    return html`<li class="mail" data-testid="email-${e.activityId}">
      <div class="mail-head"><b class="mail-subject">${e.subject || '(без темы)'}</b><time>${ruDateTimeMs(e.sentAt)}</time></div>
      <div class="mail-meta">От: ${e.from} · Кому: ${e.to.join(', ')}${owner ? html` · <a href="${itemUrl(owner.entityTypeId, owner.id)}">${entityInfo(state, owner.entityTypeId)?.single ?? ''}: ${itemName(owner)}</a>` : ''}</div>
      <div class="mail-body">${text}</div>
      ${att.length ? html`<div class="mail-attach" data-testid="email-attachments">Вложения: ${parts(att, '')}</div>` : ''}
    </li>`;
  };
  const body = html`${pageHead('Письма', html`<span class="muted">отправленные через crm.activity.add (e-mail), новые сверху</span>`)}
    ${list.length ? html`<ul class="mails" data-testid="emails">${list.map(row)}</ul>` : html`<section class="panel"><p class="muted">Писем нет.</p></section>`}`;
  return renderPage(ctx, { title: 'Письма', body });
}

// ---------------------------------------------------------------- developer log

export function logPage(ctx: PageContext): string {
  const { state, outbound } = ctx.portal;
  const deliveries = [...outbound.deliveries].reverse().slice(0, 300);
  const runs = [...state.robotRuns].reverse().slice(0, 200);
  const body = html`${pageHead('Журнал событий и роботов')}
  <section class="panel flush"><h2 class="pad">Исходящие запросы портала (события, роботы, установка)</h2>
  <table class="table" data-testid="deliveries"><thead><tr><th>Когда</th><th>Вид</th><th>Событие</th><th>Обработчик</th><th>Ответ</th></tr></thead>
  <tbody>${deliveries.length === 0 ? html`<tr><td colspan="5" class="muted">Пока ничего не отправлялось.</td></tr>` : ''}
  ${deliveries.map(
    (d) => html`<tr><td class="nowrap">${ruDateTimeMs(d.at)}</td><td>${d.kind}</td><td>${d.event}</td><td class="break">${d.handler}</td><td>${
      d.status !== null ? html`<span class="${d.status < 300 ? 'ok' : 'bad'}">${d.status}</span>` : html`<span class="bad">${d.error ?? 'ошибка'}</span>`
    }</td></tr>`,
  )}</tbody></table></section>
  <section class="panel flush"><h2 class="pad">Запуски роботов</h2>
  <table class="table" data-testid="robot-runs"><thead><tr><th>Когда</th><th>Робот</th><th>Документ</th><th>Статус</th><th>Результат</th></tr></thead>
  <tbody>${runs.length === 0 ? html`<tr><td colspan="5" class="muted">Роботы ещё не запускались.</td></tr>` : ''}
  ${runs.map((r) => {
    const item = getItem(state, r.entityTypeId, r.itemId);
    return html`<tr><td class="nowrap">${ruDateTimeMs(r.startedAt)}</td><td>${r.code}</td><td>${
      item ? html`<a href="${itemUrl(r.entityTypeId, r.itemId)}">${itemName(item)}</a>` : r.documentId[2]
    }</td><td>${r.status}</td><td class="break">${r.returnValues ? JSON.stringify(r.returnValues) : ''}${r.logMessage ? html`<div class="muted">${r.logMessage}</div>` : ''}</td></tr>`;
  })}</tbody></table></section>`;
  return renderPage(ctx, { title: 'Журнал', body });
}

export function notFoundPage(ctx: PageContext, what: string): string {
  const body = html`${pageHead('Не найдено')}<section class="panel"><p>${what}</p><p><a href="/">На рабочий стол</a></p></section>`;
  return renderPage(ctx, { title: 'Не найдено', body });
}

/** Current ISO time of the portal (for the JSON API). */
export function portalNowIso(ctx: PageContext): string {
  return formatIso(ctx.portal.clock.now());
}
