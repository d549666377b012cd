/* SPDX-License-Identifier: EUPL-1.2 */
/* The efterlev dashboard: plain JavaScript, no framework, nothing loaded from elsewhere.
 * Every piece of data reaches the page through textContent or an attribute set on an
 * element made with createElement: never innerHTML. Routes live in the URL fragment
 * (#/department/NAME), which never reaches the server; the session is an HttpOnly cookie. */
'use strict';
(function () {
  const TEXTS = window.EFTERLEV_TEXTS;
  const SVG = 'http://www.w3.org/2000/svg';
  const state = { session: null, lang: 'sv', staleDays: 7 };

  /* ---- language ---- */
  function pickLang() {
    let stored = null;
    try { stored = window.localStorage.getItem('efterlev.lang'); } catch (e) { stored = null; }
    if (stored === 'sv' || stored === 'en') return stored;
    return document.documentElement.lang === 'en' ? 'en' : 'sv';
  }
  function t(key, ...args) {
    const s = (TEXTS[state.lang] && TEXTS[state.lang][key]) || TEXTS.sv[key] || key;
    return s.replace(/\{(\d)\}/g, (m, i) => String(args[Number(i)]));
  }
  function locale() { return state.lang === 'en' ? 'en-GB' : 'sv-SE'; }
  function applyStatic() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.getElementById('nav').setAttribute('aria-label', t('nav.label'));
    document.getElementById('lang').value = state.lang;
  }

  /* ---- formatting ---- */
  function pct(v) {
    if (v === null || v === undefined) return t('no_figure');
    return new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v) + ' %';
  }
  function num(v) { return new Intl.NumberFormat(locale()).format(v); }
  function when(iso) {
    if (!iso) return t('never');
    const d = new Date(iso);
    if (isNaN(d.getTime()) || d.getTime() <= 0) return t('never');
    return d.toLocaleString(locale(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  }
  function band(v) {
    if (v === null || v === undefined) return 'none';
    if (v >= 90) return 'good';
    if (v >= 70) return 'fair';
    if (v >= 50) return 'poor';
    return 'bad';
  }

  /* ---- DOM ---- */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }
  function s(tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    return el;
  }
  function link(href, text, attrs) { return h('a', Object.assign({ href: href }, attrs || {}), text); }
  function deptHref(name) { return '#/department/' + encodeURIComponent(name); }
  function hostHref(id) { return '#/host/' + encodeURIComponent(id); }
  function table(caption, heads, rows, attrs) {
    return h('table', attrs || {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col', class: x.cls || null }, x.text || x)))),
      h('tbody', {}, rows));
  }
  function meter(v) {
    const b = band(v);
    const bar = h('span', { class: 'bar ' + b, 'aria-hidden': 'true' });
    bar.style.width = (v === null || v === undefined ? 0 : Math.max(0, Math.min(100, v))) + '%';
    return h('span', { class: 'meter', 'data-value': v === null || v === undefined ? '' : v },
      h('span', { class: 'track', 'aria-hidden': 'true' }, bar),
      h('span', { class: 'pct ' + b }, pct(v)));
  }
  function statusBadge(st) { return h('span', { class: 'badge st-' + st }, t('status.' + st)); }
  function view() { return document.getElementById('app-view'); }
  function show(...kids) {
    const v = view();
    v.replaceChildren(...kids.flat().filter(Boolean));
    const h1 = v.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: false }); }
  }

  /* ---- API ---- */
  class ApiError extends Error {
    constructor(status, msg) { super(msg); this.status = status; }
  }
  async function api(path) {
    const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (r.status === 401) {
      state.session = null;
      showLogin(t('login.ended'));
      throw new ApiError(401, 'not logged in');
    }
    if (!r.ok) {
      let msg = r.statusText;
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      throw new ApiError(r.status, msg);
    }
    return r.json();
  }
  function failure(e) {
    if (e instanceof ApiError && e.status === 401) return;
    const key = e instanceof ApiError && (e.status === 403 || e.status === 404) ? 'error.' + e.status : null;
    /* The server's own words only for the unexpected; 403 and 404 are explained here. */
    show(h('h1', {}, key ? t(key) : t('error.other', e.status || e.message)),
      h('p', { class: 'error', role: 'alert', 'data-status': e.status || '' }, key ? t(key + '.why') : e.message),
      h('p', {}, link('#/overview', t('back.overview'))));
  }

  /* ---- login ---- */
  function showLogin(message) {
    document.getElementById('app-view').hidden = true;
    document.getElementById('nav').hidden = true;
    document.getElementById('logout').hidden = true;
    document.getElementById('who').textContent = '';
    document.getElementById('login-view').hidden = false;
    document.getElementById('login-error').textContent = message || '';
    document.getElementById('login-user').focus();
  }
  function showApp() {
    const sess = state.session;
    document.getElementById('login-view').hidden = true;
    document.getElementById('app-view').hidden = false;
    document.getElementById('nav').hidden = false;
    document.getElementById('logout').hidden = false;
    const role = sess.role === 'department' ? t('role.department', sess.department) : t('role.' + sess.role);
    document.getElementById('who').textContent = t('who', sess.user, role);
  }
  async function login(ev) {
    ev.preventDefault();
    const user = document.getElementById('login-user').value;
    const pw = document.getElementById('login-password');
    const err = document.getElementById('login-error');
    err.textContent = '';
    let r;
    try {
      r = await fetch('/api/v1/login', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ user: user, password: pw.value }),
      });
    } catch (e) {
      err.textContent = t('login.failed', e.message);
      return;
    }
    pw.value = '';
    if (r.ok) {
      state.session = await r.json();
      showApp();
      if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = '#/overview';
      else route();
      return;
    }
    if (r.status === 401) err.textContent = t('login.wrong');
    else if (r.status === 429) {
      const after = r.headers.get('Retry-After');
      let body = {};
      try { body = await r.json(); } catch (e) { body = {}; }
      err.textContent = /address/.test(body.error || '') ? t('login.throttled') : t('login.locked', after || '60');
    } else err.textContent = t('login.failed', r.status);
    pw.focus();
  }
  async function logout() {
    const csrf = state.session ? state.session.csrf : '';
    try {
      await fetch('/api/v1/logout', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
      });
    } finally {
      state.session = null;
      view().replaceChildren();
      location.hash = '';
      showLogin('');
    }
  }

  /* ---- charts (inline SVG, drawn from the data) ---- */
  function sparkline(points, label) {
    const w = 120, hgt = 28, pad = 2;
    const vals = points.map((p) => p.compliance_pct).filter((v) => v !== null);
    const svg = s('svg', { class: 'spark', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, role: 'img' });
    const title = s('title');
    title.textContent = label;
    svg.appendChild(title);
    if (vals.length === 0) return svg;
    const step = points.length > 1 ? (w - 2 * pad) / (points.length - 1) : 0;
    const y = (v) => pad + (hgt - 2 * pad) * (1 - v / 100);
    let d = '';
    points.forEach((p, i) => {
      if (p.compliance_pct === null) return;
      d += (d ? ' L' : 'M') + (pad + i * step).toFixed(1) + ' ' + y(p.compliance_pct).toFixed(1);
    });
    svg.appendChild(s('line', { x1: pad, x2: w - pad, y1: y(100), y2: y(100), class: 'grid' }));
    svg.appendChild(s('path', { d: d, class: 'line' }));
    const last = points.filter((p) => p.compliance_pct !== null).pop();
    const li = points.lastIndexOf(last);
    svg.appendChild(s('circle', { cx: (pad + li * step).toFixed(1), cy: y(last.compliance_pct).toFixed(1), r: 2.5, class: 'dot' }));
    return svg;
  }
  function lineChart(points) {
    const w = 720, hgt = 240, l = 44, r = 12, top = 12, b = 28;
    const svg = s('svg', { class: 'chart', viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': t('trend.chart') });
    const x = (i) => l + (points.length > 1 ? (w - l - r) * i / (points.length - 1) : (w - l - r) / 2);
    const y = (v) => top + (hgt - top - b) * (1 - v / 100);
    for (const v of [0, 25, 50, 75, 100]) {
      svg.appendChild(s('line', { x1: l, x2: w - r, y1: y(v), y2: y(v), class: 'grid' }));
      const tx = s('text', { x: l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
      tx.textContent = v + ' %';
      svg.appendChild(tx);
    }
    let d = '';
    points.forEach((p, i) => {
      if (p.compliance_pct === null) return;
      d += (d ? ' L' : 'M') + x(i).toFixed(1) + ' ' + y(p.compliance_pct).toFixed(1);
      const c = s('circle', { cx: x(i).toFixed(1), cy: y(p.compliance_pct).toFixed(1), r: 3.5, class: 'dot' });
      const tt = s('title');
      tt.textContent = p.day + ': ' + pct(p.compliance_pct);
      c.appendChild(tt);
      svg.appendChild(c);
    });
    svg.insertBefore(s('path', { d: d, class: 'line' }), svg.querySelector('circle'));
    const every = Math.max(1, Math.ceil(points.length / 8));
    points.forEach((p, i) => {
      if (i % every !== 0 && i !== points.length - 1) return;
      const anchor = points.length > 1 && i === 0 ? 'start' : (points.length > 1 && i === points.length - 1 ? 'end' : 'middle');
      const tx = s('text', { x: x(i), y: hgt - 8, 'text-anchor': anchor, class: 'axis' });
      tx.textContent = p.day.slice(5);
      svg.appendChild(tx);
    });
    return svg;
  }
  function dayText(d) { return d.toISOString().slice(0, 10); }
  function daysAgo(n) { return dayText(new Date(Date.now() - n * 86400000)); }

  /* "3 Linux · 2 Windows" from a department's platforms (summary JSON). */
  const PLATFORMS = [['linux', 'Linux'], ['windows', 'Windows']];
  function platformsText(p) {
    if (!p) return '';
    return PLATFORMS.filter(([k]) => p[k] && p[k].hosts > 0)
      .map(([k, name]) => num(p[k].hosts) + ' ' + name).join(' · ') || '–';
  }
  function platformOf(x) {
    if (!x.platform) return t('platform.none');
    if (x.platform === 'windows') return ['Windows', x.os_edition, x.os_build].filter(Boolean).join(' ');
    return 'Linux';
  }

  /* ---- views ---- */
  async function overview() {
    const sum = await api('/api/v1/summary?hosts=none');
    state.staleDays = sum.stale_days;
    const depts = sum.departments.slice().sort((a, b) => {
      const av = a.compliance_pct === null ? 101 : a.compliance_pct;
      const bv = b.compliance_pct === null ? 101 : b.compliance_pct;
      return av - bv || b.fail - a.fail || a.name.localeCompare(b.name, 'sv');
    });
    const rows = depts.map((d) => {
      const spark = h('td', { class: 'spark-cell' });
      const tr = h('tr', { 'data-department': d.name },
        h('th', { scope: 'row' }, link(deptHref(d.name), d.name)),
        h('td', {}, t('level.' + d.level)),
        h('td', { class: 'c-compliance' }, meter(d.compliance_pct)),
        h('td', { class: 'n c-hosts' }, num(d.hosts)),
        h('td', { class: 'c-platforms' }, platformsText(d.platforms)),
        h('td', { class: 'n c-stale' + (d.stale_hosts > 0 ? ' warn' : '') }, num(d.stale_hosts)),
        h('td', { class: 'n c-fail' }, num(d.fail)),
        h('td', { class: 'n c-accepted' }, num(d.accepted)),
        spark);
      api('/api/v1/trend?department=' + encodeURIComponent(d.name) + '&since=' + daysAgo(30))
        .then((tr2) => spark.appendChild(sparkline(tr2.points, t('col.trend') + ': ' + d.name)))
        .catch(() => {});
      return tr;
    });
    const worst = depts.find((d) => d.compliance_pct !== null);
    show(h('h1', {}, t('overview.title')),
      h('p', { class: 'lead' }, t('overview.lead', sum.stale_days)),
      worst ? h('p', { class: 'callout' }, t('overview.worst', worst.name, pct(worst.compliance_pct)) + ' ',
        link(deptHref(worst.name), '→ ' + worst.name)) : null,
      depts.length ? table(null, [t('col.department'), t('col.level'), t('col.compliance'),
        { text: t('col.hosts'), cls: 'n' }, t('col.platforms'), { text: t('col.stale'), cls: 'n' }, { text: t('col.fail'), cls: 'n' },
        { text: t('col.accepted'), cls: 'n' }, t('col.trend')], rows, { id: 'overview-table', class: 'data' })
        : h('p', {}, t('overview.none')));
  }

  /* The department's open deviations; a coordinator records owner, action and due date
   * (POST, same origin, the session's CSRF token; the server checks the role). */
  function deviationsSection(devs, deptName, patterns) {
    const coord = state.session.role === 'coordinator';
    const heads = [t('col.host'), t('col.check'), t('col.since'), t('dev.owner'), t('dev.action'), t('dev.due')];
    const rows = devs.map((v) => {
      const tr = h('tr', { 'data-deviation': String(v.id), class: v.overdue ? 'overdue' : null },
        h('td', {}, v.hostname || v.agent_id),
        h('th', { scope: 'row' }, h('code', {}, v.check)),
        h('td', {}, when(v.opened_at)));
      if (!coord) {
        tr.append(h('td', {}, v.owner || '–'), h('td', {}, v.action || '–'),
          h('td', {}, v.due ? when(v.due) + (v.overdue ? ' (' + t('dev.overdue') + ')' : '') : '–'));
        return tr;
      }
      const owner = h('input', { name: 'owner', value: v.owner, 'aria-label': t('dev.owner'), maxlength: '512', required: true });
      const action = h('input', { name: 'action', value: v.action, 'aria-label': t('dev.action'), maxlength: '512', required: true });
      const due = h('input', { name: 'due', type: 'date', value: v.due ? v.due.slice(0, 10) : '', 'aria-label': t('dev.due') });
      const msg = h('span', { class: 'dev-msg', role: 'status' });
      const form = h('form', { class: 'dev-form' }, owner, action, due, h('button', { type: 'submit' }, t('dev.save')), msg);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const r = await fetch('/api/v1/deviations/' + v.id, {
          method: 'POST', credentials: 'same-origin', cache: 'no-store',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': state.session.csrf },
          body: JSON.stringify({ owner: owner.value, action: action.value, due: due.value || null }),
        });
        msg.textContent = r.ok ? t('dev.saved') : t('dev.failed', r.status);
        if (r.ok) await department(deptName);
      });
      tr.append(h('td', { colspan: '3' }, form));
      return tr;
    });
    return [h('h2', {}, t('dept.deviations', devs.length)),
      patterns.length ? h('ul', { id: 'deviation-patterns', class: 'callout warn' },
        patterns.map((p) => h('li', { 'data-check': p.check }, t('dev.pattern', p.check, p.hosts, p.of)))) : null,
      devs.length ? table(null, heads, rows, { id: 'deviations-table', class: 'data' }) : h('p', {}, t('dept.deviations_none'))];
  }

  /* A coordinator records a risk acceptance of a failing check (the server checks the role
   * and the CSRF token; the acceptance names who decided and the user who recorded it). */
  function acceptForm(d, deptName) {
    if (state.session.role !== 'coordinator') return null;
    const failing = d.checks.filter((c) => c.fail > 0);
    if (!failing.length) return null;
    const check = h('select', { name: 'check', id: 'accept-check' },
      failing.map((c) => h('option', { value: c.check }, (c.title || c.check) + ' (' + c.check + ')')));
    const host = h('select', { name: 'host', id: 'accept-host' }, h('option', { value: '' }, t('accept.whole')),
      (Array.isArray(d.hosts) ? d.hosts : []).map((x) => h('option', { value: x.agent_id }, x.hostname)));
    const until = h('input', { name: 'until', id: 'accept-until', type: 'date', required: true });
    const reason = h('input', { name: 'reason', id: 'accept-reason', maxlength: '1024', required: true });
    const by = h('input', { name: 'by', id: 'accept-by', value: state.session.user, maxlength: '120', required: true });
    const msg = h('span', { class: 'dev-msg', role: 'status', id: 'accept-msg' });
    const form = h('form', { id: 'accept-form', class: 'dev-form' },
      h('label', { for: 'accept-check' }, t('col.check')), check,
      h('label', { for: 'accept-host' }, t('col.host')), host,
      h('label', { for: 'accept-until' }, t('col.until')), until,
      h('label', { for: 'accept-reason' }, t('col.reason')), reason,
      h('label', { for: 'accept-by' }, t('accept.by')), by,
      h('button', { type: 'submit' }, t('accept.save')), msg);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { department: deptName, check: check.value, until: until.value, reason: reason.value, by: by.value };
      if (host.value) body.host = host.value;
      const r = await fetch('/api/v1/acceptances', {
        method: 'POST', credentials: 'same-origin', cache: 'no-store',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': state.session.csrf },
        body: JSON.stringify(body),
      });
      msg.textContent = r.ok ? t('dev.saved') : t('dev.failed', r.status);
      if (r.ok) await department(deptName);
    });
    return [h('h3', {}, t('accept.new')), form];
  }

  async function department(name) {
    const d = await api('/api/v1/departments/' + encodeURIComponent(name) + '?lang=' + state.lang);
    const devdoc = await api('/api/v1/deviations?department=' + encodeURIComponent(name));
    const devs = devdoc.deviations;
    state.staleDays = d.stale_days;
    const failing = d.checks.filter((c) => c.fail > 0)
      .sort((a, b) => b.fail - a.fail || a.check.localeCompare(b.check));
    /* The department document's "hosts" is the list of its computers (the count of the
     * summary is replaced by it). */
    const hosts = (Array.isArray(d.hosts) ? d.hosts : []).slice().sort((a, b) => {
      const av = a.stale ? 102 : (a.compliance_pct === null ? 101 : a.compliance_pct);
      const bv = b.stale ? 102 : (b.compliance_pct === null ? 101 : b.compliance_pct);
      return av - bv || a.hostname.localeCompare(b.hostname, 'sv');
    });
    show(h('p', { class: 'crumb' }, link('#/overview', t('back.overview'))),
      h('h1', {}, t('dept.title', d.name)),
      h('div', { class: 'kpis' },
        kpi(t('col.compliance'), meter(d.compliance_pct), 'k-compliance'),
        kpi(t('col.level'), t('level.' + d.level), 'k-level'),
        kpi(t('col.hosts'), num(hosts.length), 'k-hosts'),
        kpi(t('col.platforms'), platformsText(d.platforms), 'k-platforms'),
        kpi(t('col.stale'), num(d.stale_hosts), 'k-stale'),
        kpi(t('col.pass'), num(d.pass), 'k-pass'),
        kpi(t('col.fail'), num(d.fail), 'k-fail'),
        kpi(t('col.missing'), num(d.missing), 'k-missing'),
        kpi(t('col.accepted'), num(d.accepted), 'k-accepted'),
        kpi(t('col.assigned_policy'), t('dept.assigned_policy', d.assigned_policy_hosts, d.hosts.length - d.stale_hosts), 'k-assigned-policy')),
      Array.isArray(d.aspects) ? h('div', { class: 'kpis', id: 'aspects' },
        d.aspects.map((a) => kpi(t('aspect.' + a.aspect), meter(a.compliance_pct), 'k-aspect k-aspect-' + a.aspect))) : null,
      h('h2', {}, t('dept.failing')),
      failing.length ? table(null, [t('col.check'), t('col.severity'), t('col.controls'),
        { text: t('col.fail'), cls: 'n' }, { text: t('col.pass'), cls: 'n' }, t('col.compliance')],
      failing.map((c) => h('tr', { 'data-check': c.check },
        checkHead(c),
        h('td', {}, h('span', { class: 'sev sev-' + c.severity }, t('sev.' + c.severity))),
        h('td', {}, c.controls.join(', ')),
        h('td', { class: 'n c-fail' }, num(c.fail)),
        h('td', { class: 'n c-pass' }, num(c.pass)),
        h('td', {}, meter(c.compliance_pct)))), { id: 'failing-table', class: 'data' })
        : h('p', {}, t('dept.failing_none')),
      h('h2', {}, t('dept.hosts')),
      table(null, [t('col.host'), t('col.platform'), t('col.last_seen'), t('col.compliance'), { text: t('col.pass'), cls: 'n' },
        { text: t('col.fail'), cls: 'n' }, { text: t('col.accepted'), cls: 'n' }],
      hosts.map((x) => h('tr', { 'data-agent': x.agent_id, class: x.stale ? 'stale' : null },
        h('th', { scope: 'row' }, link(hostHref(x.agent_id), x.hostname),
          x.stale ? h('span', { class: 'badge st-stale' }, t('stale')) : null),
        h('td', { class: 'c-platform' }, platformOf(x)),
        h('td', {}, when(x.last_seen)),
        h('td', {}, meter(x.compliance_pct)),
        h('td', { class: 'n' }, num(x.pass)),
        h('td', { class: 'n' }, num(x.fail)),
        h('td', { class: 'n' }, num(x.accepted)))), { id: 'hosts-table', class: 'data' }),
      deviationsSection(devs, name, devdoc.patterns || []),
      h('h2', {}, t('dept.acceptances')),
      acceptForm(d, name),
      d.acceptances.length ? table(null, [t('col.check'), t('col.scope'), t('col.reason'), t('col.by'), t('col.until')],
        d.acceptances.map((a) => h('tr', {},
          checkHead(a),
          h('td', {}, a.hostname || a.agent_id || t('dept.whole')),
          h('td', {}, a.reason), h('td', {}, a.by), h('td', {}, when(a.until)))),
        { id: 'acceptances-table', class: 'data' })
        : h('p', {}, t('dept.acceptances_none')),
      h('p', { class: 'muted' }, t('dept.coverage', d.covered_controls, d.catalog_controls)));
  }
  /* A check for people: its title in the chosen language (the API's `title`, lang=), the id
   * beside it, its one-sentence summary on hover. */
  function checkHead(row) {
    const title = row.title || row.check;
    return h('th', { scope: 'row' }, h('span', { class: 'check-title', title: row.summary || null }, title),
      title === row.check ? null : h('code', { class: 'check-id' }, row.check));
  }
  function controlTitle(c) { return state.lang === 'sv' && c.title_sv ? c.title_sv : c.title; }
  function kpi(label, value, cls) {
    return h('div', { class: 'kpi ' + cls }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value));
  }

  /* A required check missing from the report counts as a failure does: right after them. */
  const ORDER = { fail: 0, missing: 1, error: 2, unknown: 3, accepted: 4, pass: 5, na: 6 };
  async function host(id) {
    const x = await api('/api/v1/hosts/' + encodeURIComponent(id) + '?lang=' + state.lang);
    const results = x.results.slice().sort((a, b) =>
      ORDER[a.counted_as] - ORDER[b.counted_as] || a.check.localeCompare(b.check));
    show(h('p', { class: 'crumb' }, link('#/overview', t('back.overview')), ' / ',
      link(deptHref(x.department), x.department)),
      h('h1', {}, t('host.title', x.hostname)),
      h('p', { class: 'lead' }, x.platform === 'windows'
        ? t('host.meta', x.os_pretty || 'Windows', t('host.windows', x.os_edition || '?', x.os_build || '?'), t('level.' + x.level), when(x.last_seen))
        : t('host.meta', x.os_pretty || '?', x.kernel || '?', t('level.' + x.level), when(x.last_seen))),
      x.stale ? h('p', { class: 'callout warn' }, t('host.stale')) : null,
      h('div', { class: 'kpis' },
        kpi(t('col.compliance'), meter(x.compliance_pct), 'k-compliance'),
        kpi(t('col.pass'), num(x.pass), 'k-pass'),
        kpi(t('col.fail'), num(x.fail), 'k-fail'),
        kpi(t('col.missing'), num(x.missing), 'k-missing'),
        kpi(t('col.accepted'), num(x.accepted), 'k-accepted'),
        kpi(t('col.unknown'), num(x.unknown), 'k-unknown')),
      x.policy ? h('p', { class: x.policy.assigned ? 'muted' : 'callout warn', id: 'host-policy' },
        t(x.policy.assigned ? 'host.policy_assigned' : 'host.policy_other', x.policy.id, x.policy.version)) : null,
      h('h2', {}, t('host.levels')),
      x.levels
        ? table(null, [t('col.aspect'), t('col.level'), t('col.why')],
          ['K', 'R', 'T', 'S'].map((k) => h('tr', { 'data-aspect': k },
            h('th', { scope: 'row' }, t('aspect.' + k)),
            h('td', { class: 'c-level' }, t('level.' + x.levels[k].level)),
            h('td', { class: 'c-why' }, x.levels[k].from === 'system'
              ? t('levels.system', x.levels[k].system || '?', x.levels[k].class)
              : t('levels.department')))), { id: 'host-levels', class: 'data' })
        : h('p', { class: 'muted', id: 'host-levels' }, t('levels.none')),
      h('h2', {}, t('host.results', results.length)),
      table(null, [t('col.status'), t('col.check'), t('col.evidence'), t('col.controls'), t('col.severity'), t('col.since')],
        results.map((r) => h('tr', { 'data-check': r.check, 'data-status': r.counted_as },
          h('td', {}, statusBadge(r.counted_as)),
          checkHead(r),
          h('td', { class: 'evidence' }, r.evidence),
          h('td', {}, r.controls.join(', ')),
          h('td', {}, h('span', { class: 'sev sev-' + r.severity }, t('sev.' + r.severity))),
          h('td', { class: 'nowrap' }, when(r.since)))), { id: 'results-table', class: 'data' }));
  }

  async function controls() {
    const all = await api('/api/v1/controls');
    let depts = [];
    if (state.session.role !== 'department') {
      const sum = await api('/api/v1/summary?hosts=none');
      depts = sum.departments.map((d) => d.name);
    }
    const per = await Promise.all(depts.map((n) => api('/api/v1/controls?department=' + encodeURIComponent(n))));
    const index = (doc) => Object.fromEntries(doc.controls.map((c) => [c.control, c]));
    const cols = [{ name: all.department || t('controls.all'), idx: index(all) }]
      .concat(per.map((doc, i) => ({ name: depts[i], idx: index(doc) })));
    const rows = all.controls.map((c) => ({ control: c.control, title: controlTitle(c), theme: c.theme, covered: true }))
      .concat(all.not_covered.map((c) => ({ control: c.control, title: controlTitle(c), theme: c.theme, covered: false })))
      .sort((a, b) => (b.covered - a.covered) || a.control.localeCompare(b.control, 'en', { numeric: true }));
    const filter = h('select', { id: 'controls-filter' },
      h('option', { value: 'all' }, t('controls.show_all')), h('option', { value: 'covered' }, t('controls.show_covered')));
    const tbl = table(null, [t('col.control'), t('col.title')].concat(cols.map((c) => ({ text: c.name, cls: 'hm-head' }))),
      rows.map((r) => h('tr', { 'data-control': r.control, class: r.covered ? null : 'uncovered' },
        h('th', { scope: 'row' }, r.control),
        h('td', { class: 'title' }, r.title),
        cols.map((c) => {
          const v = c.idx[r.control];
          if (!r.covered) return h('td', { class: 'hm none' }, t('controls.not_covered'));
          if (!v) return h('td', { class: 'hm none' }, t('no_figure'));
          return h('td', { class: 'hm ' + band(v.compliance_pct), title: v.fail + ' ' + t('col.fail').toLowerCase() + ', ' + v.pass + ' ' + t('col.pass').toLowerCase() }, pct(v.compliance_pct));
        }))), { id: 'heatmap', class: 'data heatmap' });
    filter.addEventListener('change', () => tbl.classList.toggle('only-covered', filter.value === 'covered'));
    show(h('h1', {}, t('controls.title')),
      h('p', { class: 'lead' }, t('controls.lead')),
      h('p', { id: 'coverage' }, t('controls.coverage', all.covered_controls, all.catalog_controls)),
      h('p', {}, h('label', { for: 'controls-filter' }, t('controls.filter') + ' '), filter),
      legend(), h('div', { class: 'scroll' }, tbl));
  }
  function legend() {
    return h('p', { class: 'legend' }, ['bad', 'poor', 'fair', 'good'].map((b, i) =>
      h('span', { class: 'hm ' + b }, ['< 50 %', '50–70 %', '70–90 %', '≥ 90 %'][i])));
  }

  async function trend(params) {
    const since = params.get('since') || daysAgo(90);
    const until = params.get('until') || '';
    const dept = state.session.role === 'department' ? state.session.department : (params.get('department') || '');
    let names = [];
    if (state.session.role !== 'department') names = (await api('/api/v1/summary?hosts=none')).departments.map((d) => d.name);
    let q = '/api/v1/trend?since=' + encodeURIComponent(since);
    if (until) q += '&until=' + encodeURIComponent(until);
    if (dept) q += '&department=' + encodeURIComponent(dept);
    const tr = await api(q);
    const sel = h('select', { id: 'trend-department', name: 'department', disabled: state.session.role === 'department' },
      h('option', { value: '' }, t('overview.total')),
      names.map((n) => h('option', { value: n, selected: n === dept }, n)));
    if (state.session.role === 'department') sel.appendChild(h('option', { value: dept, selected: true }, dept));
    const form = h('form', { class: 'inline', id: 'trend-form' },
      h('label', { for: 'trend-department' }, t('trend.department')), sel,
      h('label', { for: 'trend-since' }, t('trend.since')), h('input', { id: 'trend-since', type: 'date', value: since, required: true }),
      h('label', { for: 'trend-until' }, t('trend.until')), h('input', { id: 'trend-until', type: 'date', value: until }),
      h('button', { type: 'submit' }, t('trend.show')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams();
      if (sel.value) p.set('department', sel.value);
      p.set('since', document.getElementById('trend-since').value);
      if (document.getElementById('trend-until').value) p.set('until', document.getElementById('trend-until').value);
      location.hash = '#/trend?' + p.toString();
    });
    show(h('h1', {}, t('trend.title')), h('p', { class: 'lead' }, t('trend.lead')), form,
      tr.points.length ? [h('figure', { class: 'chart-box' }, lineChart(tr.points)),
        table(null, [t('col.day'), t('col.compliance'), { text: t('col.pass'), cls: 'n' }, { text: t('col.fail'), cls: 'n' },
          { text: t('col.accepted'), cls: 'n' }, { text: t('col.hosts'), cls: 'n' }, { text: t('col.stale'), cls: 'n' }],
        tr.points.map((p) => h('tr', { 'data-day': p.day },
          h('th', { scope: 'row' }, p.day), h('td', {}, meter(p.compliance_pct)),
          h('td', { class: 'n' }, num(p.pass)), h('td', { class: 'n' }, num(p.fail)),
          h('td', { class: 'n' }, num(p.accepted)), h('td', { class: 'n' }, num(p.hosts)),
          h('td', { class: 'n' }, num(p.stale_hosts)))), { id: 'trend-table', class: 'data', 'data-department': dept })]
        : h('p', { id: 'trend-none' }, t('trend.none')));
  }

  function periods() {
    const now = new Date();
    const y = now.getUTCFullYear(), half = now.getUTCMonth() < 6 ? 1 : 2;
    const prev = half === 1 ? (y - 1) + 'H2' : y + 'H1';
    return [y + 'H' + half, prev, String(y), String(y - 1)];
  }
  async function exportView() {
    const sess = state.session;
    let names = [];
    if (sess.role !== 'department') names = (await api('/api/v1/summary?hosts=none')).departments.map((d) => d.name);
    const fmt = h('select', { id: 'export-format' },
      h('option', { value: 'csv-sv' }, t('export.csv_sv')), h('option', { value: 'csv' }, t('export.csv')),
      h('option', { value: 'json' }, t('export.json')), h('option', { value: 'bundle' }, t('export.bundle')));
    const dep = h('select', { id: 'export-department', disabled: sess.role === 'department' },
      sess.role === 'department' ? h('option', { value: sess.department }, sess.department)
        : [h('option', { value: '' }, t('overview.total'))].concat(names.map((n) => h('option', { value: n }, n))));
    const since = h('input', { id: 'export-since', type: 'date' });
    const until = h('input', { id: 'export-until', type: 'date' });
    const dl = h('a', { id: 'export-link', class: 'button', download: '' }, t('export.download'));
    function updateExport() {
      const p = new URLSearchParams();
      p.set('format', fmt.value.startsWith('csv') ? 'csv' : fmt.value);
      if (fmt.value === 'csv-sv') p.set('csv_dialect', 'excel-sv');
      if (fmt.value.startsWith('csv')) p.set('lang', state.lang); // the title column's language
      if (dep.value) p.set('department', dep.value);
      if (since.value) p.set('since', since.value);
      if (until.value) p.set('until', until.value);
      dl.setAttribute('href', '/api/v1/export?' + p.toString());
    }
    [fmt, dep, since, until].forEach((el) => el.addEventListener('change', updateExport));
    updateExport();
    const parts = [h('h1', {}, t('export.title')), h('p', { class: 'lead' }, t('export.lead')),
      h('form', { class: 'stack', id: 'export-form' },
        h('label', { for: 'export-format' }, t('export.format')), fmt,
        h('label', { for: 'export-department' }, t('export.department')), dep,
        h('label', { for: 'export-since' }, t('export.since')), since,
        h('label', { for: 'export-until' }, t('export.until')), until, dl),
      h('p', { class: 'muted' }, t('export.verify')),
      h('h2', {}, t('export.report'))];
    if (sess.may_report) {
      const per = h('select', { id: 'report-period' }, periods().map((p) => h('option', { value: p }, p)));
      const lang = h('select', { id: 'report-lang' }, h('option', { value: 'sv' }, 'Svenska'), h('option', { value: 'en' }, 'English'));
      lang.value = state.lang;
      const rl = h('a', { id: 'report-link', class: 'button', download: '' }, t('export.download_report'));
      const upd = () => rl.setAttribute('href', '/api/v1/report?period=' + encodeURIComponent(per.value) + '&lang=' + lang.value);
      per.addEventListener('change', upd);
      lang.addEventListener('change', upd);
      upd();
      parts.push(h('form', { class: 'stack', id: 'report-form' },
        h('label', { for: 'report-period' }, t('export.period')), per,
        h('label', { for: 'report-lang' }, t('export.lang')), lang, rl));
    } else parts.push(h('p', { id: 'no-report' }, t('export.no_report')));
    show(parts);
  }

  /* The device list against the reporting computers (docs/figures.md, "Coverage"). */
  async function coverageView() {
    const c = await api('/api/v1/coverage');
    const parts = [h('h1', {}, t('coverage.title'))];
    if (!c.inventory) {
      parts.push(h('p', { id: 'coverage-none' }, t('coverage.none')));
      show(parts);
      return;
    }
    parts.push(h('p', { class: 'lead' }, t('coverage.lead', c.stale_days)),
      h('p', { class: 'muted' }, t('coverage.list', c.inventory.file, when(c.inventory.imported_at), num(c.inventory.devices))));
    const row = (name, d, attrs) => h('tr', attrs,
      h('th', { scope: 'row' }, name),
      h('td', { class: 'n c-listed' }, num(d.listed)),
      h('td', { class: 'n c-reporting' }, num(d.reporting)),
      h('td', { class: 'n c-stale' + (d.stale > 0 ? ' warn' : '') }, num(d.stale)),
      h('td', { class: 'n c-never' + (d.never_seen > 0 ? ' warn' : '') }, num(d.never_seen)),
      h('td', { class: 'c-coverage' }, meter(d.coverage_pct)),
      h('td', { class: 'n c-unlisted' }, num(d.unlisted)));
    const rows = c.departments.map((d) => row(d.in_collector ? link(deptHref(d.name), d.name) : d.name, d, { 'data-department': d.name }));
    rows.push(row(t('coverage.total'), c.totals, { class: 'total', 'data-department': '' }));
    parts.push(table(null, [t('col.department'), { text: t('col.listed'), cls: 'n' }, { text: t('col.reporting'), cls: 'n' },
      { text: t('col.stale'), cls: 'n' }, { text: t('col.never_seen'), cls: 'n' }, t('col.coverage'),
      { text: t('col.unlisted'), cls: 'n' }], rows, { id: 'coverage-table', class: 'data' }));
    const never = c.departments.filter((d) => d.never_seen_hosts.length > 0);
    if (never.length) {
      parts.push(h('h2', {}, t('coverage.never_seen_hosts')),
        h('ul', { id: 'never-seen' }, never.map((d) => h('li', {}, d.name + ': ' + d.never_seen_hosts.join(', ')))));
    }
    show(parts);
  }

  /* Systems, their owners and classes, and how their computers stand (docs/figures.md,
   * "Levels per aspect"). */
  async function systemsView() {
    const doc = await api('/api/v1/systems');
    const parts = [h('h1', {}, t('systems.title')), h('p', { class: 'lead' }, t('systems.lead'))];
    if (!doc.systems.length) {
      parts.push(h('p', { id: 'systems-none' }, t('systems.none')));
      show(parts);
      return;
    }
    const aspect = (y, k) => y.aspects.find((a) => a.aspect === k) || {};
    parts.push(table(null, [t('col.system'), t('col.owner'), t('col.info_owner'), t('col.classes'),
      t('col.department'), { text: t('col.machines'), cls: 'n' }, t('col.compliance')]
      .concat(['K', 'R', 'T', 'S'].map((k) => t('aspect.' + k))),
    doc.systems.map((y) => h('tr', { 'data-system': y.name },
      h('th', { scope: 'row' }, y.name),
      h('td', {}, y.owner),
      h('td', {}, y.info_owner),
      h('td', { class: 'nowrap c-classes' }, 'K' + y.k + ' R' + y.r + ' T' + y.t),
      h('td', {}, y.department ? link(deptHref(y.department), y.department) : '–'),
      h('td', { class: 'n c-machines' }, num(y.hosts) + ' (' + num(y.reporting) + ')'),
      h('td', { class: 'c-compliance' }, meter(y.compliance_pct)),
      ['K', 'R', 'T', 'S'].map((k) => h('td', { class: 'c-aspect-' + k }, meter(aspect(y, k).compliance_pct))))),
    { id: 'systems-table', class: 'data' }));
    show(parts);
  }

  /* ---- routing ---- */
  async function route() {
    if (!state.session) return;
    const raw = location.hash.replace(/^#/, '') || '/overview';
    const [path, query] = raw.split('?');
    const parts = path.split('/').filter(Boolean);
    const params = new URLSearchParams(query || '');
    document.querySelectorAll('#nav a').forEach((a) => {
      if (a.getAttribute('href') === '#/' + (parts[0] || 'overview')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    view().setAttribute('aria-busy', 'true');
    try {
      if (parts[0] === 'department' && parts[1]) await department(decodeURIComponent(parts[1]));
      else if (parts[0] === 'host' && parts[1]) await host(decodeURIComponent(parts[1]));
      else if (parts[0] === 'controls') await controls();
      else if (parts[0] === 'trend') await trend(params);
      else if (parts[0] === 'export') await exportView();
      else if (parts[0] === 'coverage') await coverageView();
      else if (parts[0] === 'systems') await systemsView();
      else await overview();
    } catch (e) {
      failure(e);
    } finally {
      view().removeAttribute('aria-busy');
    }
  }

  async function start() {
    state.lang = pickLang();
    applyStatic();
    document.getElementById('lang').addEventListener('change', (ev) => {
      state.lang = ev.target.value === 'en' ? 'en' : 'sv';
      try { window.localStorage.setItem('efterlev.lang', state.lang); } catch (e) { /* private mode */ }
      applyStatic();
      if (state.session) { showApp(); route(); }
    });
    document.getElementById('login-form').addEventListener('submit', login);
    document.getElementById('logout').addEventListener('click', logout);
    window.addEventListener('hashchange', route);
    const r = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    if (r.ok) {
      state.session = await r.json();
      showApp();
      route();
    } else showLogin('');
  }
  document.addEventListener('DOMContentLoaded', start);
})();
