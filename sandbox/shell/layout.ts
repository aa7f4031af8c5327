/** The portal chrome around every shell page: header (portal, clock, user switcher) and left menu. */
import type { Portal } from '../core.js';
import type { SandboxUser } from '../types.js';
import { html, type SafeHtml } from './html.js';
import { boards, placementTitle, portalClock, userName } from './model.js';

export interface PageContext {
  portal: Portal;
  /** The person the shell acts as (user switcher). */
  user: SandboxUser;
  /** Request path, for the active menu item. */
  path: string;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Wider pages (boards) drop the content padding limit. */
  wide?: boolean;
}

export const APP_TITLE = 'Цифровой профсоюз';

function menuItem(ctx: PageContext, href: string, label: string, opts: { testId?: string; count?: number; sub?: boolean } = {}): SafeHtml {
  const active = ctx.path === href || (href !== '/' && ctx.path.startsWith(href));
  return html`<li><a class="menu-link${opts.sub ? ' sub' : ''}${active ? ' active' : ''}" href="${href}"${
    opts.testId ? html` data-testid="${opts.testId}"` : ''
  }><span class="menu-label">${label}</span>${opts.count ? html`<span class="menu-count">${opts.count}</span>` : ''}</a></li>`;
}

function menu(ctx: PageContext): SafeHtml {
  const { state } = ctx.portal;
  const { deals, types } = boards(state);
  const leftMenu = state.placements.filter((p) => p.placement === 'LEFT_MENU');
  const mine = state.notifications.filter((n) => n.userId === ctx.user.id).length;
  return html`<nav class="menu" aria-label="Меню портала">
    <ul>
      ${menuItem(ctx, '/', 'Рабочий стол', { testId: 'menu-home' })}
      <li class="menu-group">CRM</li>
      ${menuItem(ctx, deals[0]?.url ?? '/crm/deal/category/0/', 'Сделки', { testId: 'menu-deals' })}
      ${deals.length > 1 ? deals.map((b) => menuItem(ctx, b.url, b.title, { sub: true, testId: `menu-board-2-${b.categoryId}` })) : ''}
      ${menuItem(ctx, '/crm/contact/list/', 'Контакты', { testId: 'menu-contacts' })}
      ${menuItem(ctx, '/crm/company/list/', 'Компании', { testId: 'menu-companies' })}
      ${types.map((b) => menuItem(ctx, b.url, b.title, { testId: `menu-board-${b.entityTypeId}-${b.categoryId}` }))}
      <li class="menu-group">Приложения</li>
      ${menuItem(ctx, '/marketplace/app/', APP_TITLE, { testId: 'menu-app' })}
      ${leftMenu.map((p) => menuItem(ctx, `/marketplace/placement/${p.id}/`, placementTitle(p), { sub: true, testId: `menu-placement-${p.id}` }))}
      <li class="menu-group">Сообщения</li>
      ${menuItem(ctx, '/notifications/', 'Уведомления', { testId: 'menu-notifications', count: mine })}
      ${menuItem(ctx, '/mail/', 'Письма', { testId: 'menu-mail', count: state.emails.length })}
      <li class="menu-group">Разработчику</li>
      ${menuItem(ctx, '/devops/log/', 'Журнал событий', { testId: 'menu-log' })}
    </ul>
  </nav>`;
}

function header(ctx: PageContext): SafeHtml {
  const { state, urls } = ctx.portal;
  const installed = state.app.installed;
  return html`<header class="top">
    <a class="logo" href="/"><span class="logo-b24">Битрикс<span>24</span></span><span class="logo-tag">песочница</span></a>
    <span class="portal-domain" title="member_id ${state.memberId}">${urls.domain}</span>
    <span class="app-state ${installed ? 'ok' : 'off'}" data-testid="app-state">${installed ? 'Приложение установлено' : 'Приложение не установлено'}</span>
    <div class="top-spacer"></div>
    <form class="clock" data-testid="clock-form" title="Время портала (виртуальные часы песочницы)" onsubmit="return false">
      <span class="clock-label">Время портала</span>
      <time class="clock-now" data-testid="clock">${portalClock(ctx.portal)}</time>
      <label class="clock-days"><span class="sr">Дней</span><input type="number" min="1" max="3650" value="1" name="days" data-testid="clock-days" aria-label="На сколько дней перевести часы"></label>
      <button type="submit" class="btn btn-light" data-testid="clock-advance">дн. вперёд</button>
    </form>
    <label class="user-switch">
      <span class="sr">Действовать как</span>
      <select data-testid="user-switch" aria-label="Действовать как сотрудник">
        ${state.users.map(
          (u) => html`<option value="${u.id}"${u.id === ctx.user.id ? ' selected' : ''}>${userName(u)}${u.isAdmin ? ' (админ)' : ''} — ${u.workPosition}</option>`,
        )}
      </select>
    </label>
  </header>`;
}

export function renderPage(ctx: PageContext, opts: PageOptions): string {
  return `<!doctype html>${html`<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} — Битрикс24 (песочница)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/shell/assets/shell.css">
<script src="/shell/assets/shell.js" defer></script>
</head>
<body data-user-id="${ctx.user.id}">
${header(ctx)}
<div class="layout">
  ${menu(ctx)}
  <main class="content${opts.wide ? ' wide' : ''}">
    ${opts.body}
  </main>
</div>
<div class="toasts" id="toasts" aria-live="polite"></div>
</body>
</html>`.value}`;
}
