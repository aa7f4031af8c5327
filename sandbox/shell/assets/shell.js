// Sandbox portal shell: user switcher, virtual clock, kanban moves, card editor, app frames and the
// portal's side of the frame messages ({source: 'digital-union', command: 'installFinish' | 'fitWindow'}).
// Plain browser JavaScript, no build step.
(function () {
  'use strict';

  var USER_COOKIE = 'du_shell_user';
  var FLASH_KEY = 'du-shell-flash';
  var MESSAGE_SOURCE = 'digital-union';

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function toast(text, kind) {
    var box = $('#toasts');
    if (!box) return;
    var el = document.createElement('div');
    el.className = 'toast' + (kind ? ' ' + kind : '');
    el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, kind === 'error' ? 8000 : 3500);
  }

  function flashAndReload(text) {
    try { sessionStorage.setItem(FLASH_KEY, text); } catch (e) { /* private mode */ }
    location.reload();
  }

  function api(path, body) {
    return fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body || {}),
      credentials: 'same-origin',
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok || (data && data.error)) {
          throw new Error((data && (data.error_description || data.error)) || 'HTTP ' + res.status);
        }
        return data.result;
      });
    });
  }

  // ---------------------------------------------------------------- header

  function initHeader() {
    var sw = $('[data-testid="user-switch"]');
    if (sw) {
      sw.addEventListener('change', function () {
        document.cookie = USER_COOKIE + '=' + encodeURIComponent(sw.value) + '; path=/; SameSite=Lax';
        flashAndReload('Вы действуете как ' + sw.options[sw.selectedIndex].text.split(' — ')[0]);
      });
    }
    var clock = $('[data-testid="clock-form"]');
    if (clock) {
      clock.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var days = Number(clock.querySelector('input[name="days"]').value || '1');
        api('/shell/api/clock/advance', { days: days }).then(function (r) {
          $('[data-testid="clock"]').textContent = r.display;
          toast('Часы портала переведены на ' + days + ' дн.: ' + r.display, 'ok');
        }, function (err) { toast('Часы не переведены: ' + err.message, 'error'); });
      });
    }
    var flash = null;
    try { flash = sessionStorage.getItem(FLASH_KEY); sessionStorage.removeItem(FLASH_KEY); } catch (e) { /* ignore */ }
    if (flash) toast(flash, 'ok');
  }

  // ---------------------------------------------------------------- kanban

  function initBoard() {
    var board = $('[data-board]');
    if (!board) return;
    var entityTypeId = Number(board.getAttribute('data-entity-type-id'));

    function recount() {
      $$('.kcol', board).forEach(function (col) {
        var n = $$('.kcard', col).length;
        var c = $('.kcol-count', col);
        if (c) c.textContent = String(n);
      });
    }

    function move(card, stageId) {
      var id = Number(card.getAttribute('data-id'));
      var select = $('select[data-move]', card);
      var from = card.parentElement;
      var target = $('.kcol-body[data-drop="' + CSS.escape(stageId) + '"]', board);
      if (target && target !== from) target.insertBefore(card, target.firstChild);
      if (select) select.value = stageId;
      recount();
      return api('/shell/api/move', { entityTypeId: entityTypeId, id: id, stageId: stageId }).then(function () {
        var col = target && target.closest('.kcol');
        toast('Карточка #' + id + ' перенесена: ' + (col ? $('.kcol-name', col).textContent : stageId), 'ok');
      }, function (err) {
        if (from && target !== from) from.insertBefore(card, from.firstChild);
        if (select) select.value = from ? from.getAttribute('data-drop') : '';
        recount();
        toast('Не удалось перенести: ' + err.message, 'error');
      });
    }

    var dragged = null;
    board.addEventListener('dragstart', function (ev) {
      var card = ev.target.closest && ev.target.closest('.kcard');
      if (!card) return;
      dragged = card;
      card.classList.add('dragging');
      ev.dataTransfer.effectAllowed = 'move';
      ev.dataTransfer.setData('text/plain', card.getAttribute('data-id'));
    });
    board.addEventListener('dragend', function () {
      if (dragged) dragged.classList.remove('dragging');
      dragged = null;
      $$('.kcol-body.over', board).forEach(function (b) { b.classList.remove('over'); });
    });
    board.addEventListener('dragover', function (ev) {
      var body = ev.target.closest && ev.target.closest('.kcol-body[data-drop]');
      if (!body || !dragged) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'move';
      $$('.kcol-body.over', board).forEach(function (b) { if (b !== body) b.classList.remove('over'); });
      body.classList.add('over');
    });
    board.addEventListener('drop', function (ev) {
      var body = ev.target.closest && ev.target.closest('.kcol-body[data-drop]');
      if (!body || !dragged) return;
      ev.preventDefault();
      body.classList.remove('over');
      var card = dragged;
      if (card.parentElement !== body) move(card, body.getAttribute('data-drop'));
    });
    board.addEventListener('change', function (ev) {
      var select = ev.target;
      if (!select.matches || !select.matches('select[data-move]')) return;
      move(select.closest('.kcard'), select.value);
    });
  }

  // ---------------------------------------------------------------- card view

  function linesOf(s) {
    return String(s || '').split('\n').map(function (x) { return x.trim(); }).filter(Boolean);
  }

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve([file.name, String(r.result).replace(/^data:[^,]*,/, '')]); };
      r.onerror = function () { reject(r.error); };
      r.readAsDataURL(file);
    });
  }

  /** [changed, value] of one editor, value in the shape crm.item.update takes. */
  function readEditor(el) {
    var kind = el.getAttribute('data-editor');
    var initial = JSON.parse(el.getAttribute('data-initial') || 'null');
    switch (kind) {
      case 'checkbox':
        return Promise.resolve([el.checked !== Boolean(initial), el.checked ? 'Y' : 'N']);
      case 'checks': {
        var vals = $$('input[type="checkbox"]:checked', el).map(function (i) { return i.value; });
        return Promise.resolve([JSON.stringify(vals.slice().sort()) !== JSON.stringify((initial || []).slice().sort()), vals]);
      }
      case 'lines': {
        var lines = linesOf(el.value);
        return Promise.resolve([JSON.stringify(lines) !== JSON.stringify(linesOf(initial)), lines]);
      }
      case 'file': {
        var multiple = el.getAttribute('data-multiple') === '1';
        var keep = $$('input[data-keep]:checked', el).map(function (i) { return Number(i.value); });
        var input = $('input[type="file"]', el);
        var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
        return Promise.all(files.map(readFile)).then(function (pairs) {
          var changed = pairs.length > 0 || keep.length !== (initial || []).length;
          if (multiple) return [changed, keep.map(function (id) { return { id: id }; }).concat(pairs)];
          return [changed, pairs[0] || (keep.length ? { id: keep[0] } : '')];
        });
      }
      default:
        return Promise.resolve([el.value !== String(initial === null ? '' : initial), el.value]);
    }
  }

  function initCard() {
    var root = $('[data-card]');
    if (!root) return;
    var entityTypeId = Number(root.getAttribute('data-entity-type-id'));
    var id = Number(root.getAttribute('data-id'));
    var form = $('[data-card-form]', root);

    // Tabs (placements open their frame on first show).
    $$('.tab', root).forEach(function (tab) {
      tab.addEventListener('click', function () {
        var name = tab.getAttribute('data-tab');
        $$('.tab', root).forEach(function (t) { t.classList.toggle('active', t === tab); });
        $$('.tab-panel', root).forEach(function (p) {
          var on = p.getAttribute('data-panel') === name;
          p.hidden = !on;
          if (on) $$('.frame-host', p).forEach(loadFrame);
        });
      });
    });

    // Stage bar: a move by the acting user, like the kanban.
    $$('[data-stage-move]', root).forEach(function (btn) {
      btn.addEventListener('click', function () {
        var stageId = btn.getAttribute('data-stage-move');
        if (btn.classList.contains('current')) return;
        api('/shell/api/move', { entityTypeId: entityTypeId, id: id, stageId: stageId }).then(function () {
          flashAndReload('Стадия изменена: ' + btn.textContent);
        }, function (err) { toast('Стадия не изменена: ' + err.message, 'error'); });
      });
    });

    if (!form) return;
    function edit(on) { form.classList.toggle('editing', on); }
    $('[data-action="edit"]', form).addEventListener('click', function () { edit(true); });
    $('[data-action="cancel"]', form).addEventListener('click', function () { form.reset(); edit(false); });
    $$('.frow.editable .fvalue', form).forEach(function (v) {
      v.addEventListener('click', function (ev) {
        if (ev.target.closest('a')) return;
        edit(true);
        var ed = $('[data-editor]', v.parentElement);
        if (ed && ed.focus) ed.focus();
      });
    });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var save = $('[data-testid="card-save"]', form);
      var editors = $$('[data-editor]', form);
      save.disabled = true;
      Promise.all(editors.map(readEditor)).then(function (results) {
        var fields = {};
        results.forEach(function (r, i) { if (r[0]) fields[editors[i].getAttribute('data-key')] = r[1]; });
        if (Object.keys(fields).length === 0) {
          edit(false);
          toast('Изменений нет');
          return null;
        }
        return api('/shell/api/items/' + entityTypeId + '/' + id, { fields: fields }).then(function () {
          flashAndReload('Сохранено');
        });
      }).catch(function (err) {
        toast('Не сохранено: ' + err.message, 'error');
      }).then(function () { save.disabled = false; });
    });
  }

  // ---------------------------------------------------------------- app frames

  /** Asks the portal for the frame POST and submits it into the host's iframe (target=iframe). */
  function loadFrame(host) {
    if (host.getAttribute('data-loaded')) return;
    host.setAttribute('data-loaded', '1');
    var iframe = $('iframe', host);
    var spec = JSON.parse(host.getAttribute('data-frame') || '{}');
    api('/shell/api/frame', spec).then(function (fp) {
      host.setAttribute('data-origin', new URL(fp.url).origin);
      iframe.addEventListener('load', function () { host.classList.add('loaded'); }, { once: true });
      var form = document.createElement('form');
      form.method = 'POST';
      form.action = fp.url;
      form.target = iframe.name;
      form.style.display = 'none';
      Object.keys(fp.body).forEach(function (k) {
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = k;
        input.value = fp.body[k];
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit();
      form.remove();
    }, function (err) {
      host.removeAttribute('data-loaded');
      host.classList.add('error');
      $('.frame-loading', host).textContent = 'Не удалось открыть приложение: ' + err.message;
    });
  }

  function frameOf(source) {
    return $$('iframe.app-frame').find(function (f) { return f.contentWindow === source; }) || null;
  }

  // The portal's side of the frame messages the app sends when it is not inside a real portal frame.
  window.addEventListener('message', function (ev) {
    var data = ev.data;
    if (!data || typeof data !== 'object' || data.source !== MESSAGE_SOURCE) return;
    var iframe = frameOf(ev.source);
    if (!iframe) return;
    var host = iframe.closest('.frame-host');
    var origin = host && host.getAttribute('data-origin');
    if (origin && ev.origin !== origin) return;
    if (data.command === 'fitWindow') {
      var h = Number(data.height);
      if (isFinite(h) && h > 0) iframe.style.height = Math.min(Math.max(Math.ceil(h), 120), 20000) + 'px';
    } else if (data.command === 'installFinish') {
      api('/shell/api/install/finish', {}).then(function () {
        var banner = $('[data-install-banner]');
        if (banner) banner.hidden = false;
        var state = $('[data-testid="app-state"]');
        if (state) { state.textContent = 'Приложение установлено'; state.className = 'app-state ok'; }
        toast('Установка приложения завершена', 'ok');
      }, function (err) { toast('installFinish не выполнен: ' + err.message, 'error'); });
    }
  });

  document.addEventListener('DOMContentLoaded', function () {
    initHeader();
    initBoard();
    initCard();
    $$('.frame-host[data-autoload]').forEach(loadFrame);
  });
})();
