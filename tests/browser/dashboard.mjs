// SPDX-License-Identifier: EUPL-1.2
// The dashboard in headless Chromium: log in, walk every view and compare each figure shown
// with the read API's answer for the same session; roles, logout, lockout, CSP. Started by
// run.sh with COLL_URL and the users' passwords in the environment.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const BASE = process.env.COLL_URL;
const ART = process.env.ARTIFACTS;
const { SOC, ALD, PW_COORD, PW_AUD, PW_DEPT, PW_LOCK } = process.env;
let passed = 0;
let failed = 0;
const cspViolations = [];
const pageErrors = [];

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok: ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL: ${name}: ${e.stack || e}`);
    throw e;
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Playwright gives every launch a fresh, temporary --user-data-dir of its own.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function newPage(locale) {
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true, // the collector's own test CA
    locale, viewport: { width: 1366, height: 768 }, acceptDownloads: true,
  });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return { ctx, page };
}

// The API, from inside the page: same origin, same session cookie.
async function api(page, p) {
  return page.evaluate(async (url) => {
    const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    const type = r.headers.get('content-type') || '';
    return { status: r.status, body: type.includes('json') ? await r.json() : null };
  }, p);
}
async function post(page, p, body, headers) {
  return page.evaluate(async ([url, b, h]) => {
    const r = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: h, body: b });
    return { status: r.status, retryAfter: r.headers.get('Retry-After'), body: await r.text() };
  }, [p, body, headers]);
}
// "66,7 %" / "66.7 %" -> 66.7; "–" -> null
function figure(text) {
  const t = text.replace(/\s/g, '').replace('%', '').replace(',', '.').replace('\u2212', '-');
  if (t === '–' || t === '-' || t === '') return null;
  const v = Number(t);
  assert.ok(!Number.isNaN(v), `not a figure: "${text}"`);
  return v;
}
function int(text) { return Number(text.replace(/[\s\u00a0]/g, '')); }
async function shot(page, name) {
  await page.screenshot({ path: path.join(ART, name + '.png'), fullPage: false });
}
const enc = encodeURIComponent;

async function login(page, user, pw) {
  await page.waitForSelector('#login-view:not([hidden])');
  // By keyboard: type, Tab, type, Enter.
  await page.focus('#login-user');
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(pw);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#app-view:not([hidden]) h1');
}

const { ctx, page } = await newPage('sv-SE');
try {
  await step('the page: security headers, Swedish login form', async () => {
    const resp = await page.goto(BASE + '/');
    const h = resp.headers();
    assert.match(h['content-security-policy'], /default-src 'self'/);
    assert.match(h['content-security-policy'], /script-src 'self';/);
    assert.doesNotMatch(h['content-security-policy'], /unsafe-inline|unsafe-eval/);
    assert.match(h['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(h['x-frame-options'], 'DENY');
    assert.equal(h['referrer-policy'], 'no-referrer');
    assert.equal(h['x-content-type-options'], 'nosniff');
    await page.waitForSelector('#login-view:not([hidden])');
    assert.equal(await page.textContent('#login-view h1'), 'Logga in');
    assert.equal(await page.getAttribute('html', 'lang'), 'sv');
    await shot(page, '01-login');
  });

  await step('a wrong password is refused', async () => {
    await page.fill('#login-user', 'samordnare');
    await page.fill('#login-password', 'fel lösenord här');
    await page.click('#login-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
    assert.equal(await page.textContent('#login-error'), 'Fel användarnamn eller lösenord.');
    assert.equal(await page.isVisible('#app-view'), false);
    await shot(page, '02-login-wrong');
  });

  await step('repeated failures lock the user out (slowed), even with the right password', async () => {
    const h = { 'Content-Type': 'application/json' };
    const bad = JSON.stringify({ user: 'lasmig', password: 'inte rätt lösenord' });
    const r1 = await post(page, '/api/v1/login', bad, h);
    const r2 = await post(page, '/api/v1/login', bad, h);
    const r3 = await post(page, '/api/v1/login', bad, h);
    assert.deepEqual([r1.status, r2.status, r3.status], [401, 401, 401]);
    assert.equal(r3.retryAfter, '5');
    const ok = await post(page, '/api/v1/login', JSON.stringify({ user: 'lasmig', password: PW_LOCK }), h);
    assert.equal(ok.status, 429);
    assert.ok(Number(ok.retryAfter) > 0 && Number(ok.retryAfter) <= 5, ok.retryAfter);
    // CSRF: JSON only, and never from another origin.
    const form = await post(page, '/api/v1/login', 'user=samordnare', { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 400);
  });

  await step('login by keyboard (1st click: none needed beyond Enter)', async () => {
    await page.fill('#login-user', '');
    await login(page, 'samordnare', PW_COORD);
    await page.waitForSelector('#overview-table');
    const cookies = await ctx.cookies();
    const c = cookies.find((x) => x.name === '__Host-efterlev_session');
    assert.ok(c, 'session cookie');
    assert.equal(c.httpOnly, true);
    assert.equal(c.secure, true);
    assert.equal(c.sameSite, 'Strict');
    assert.equal(c.path, '/');
    assert.equal(await page.evaluate(() => document.cookie.includes('efterlev')), false);
    assert.equal(await page.textContent('#who'), 'samordnare (samordnare)');
  });

  let worst;
  await step('overview: every department figure equals /api/v1/summary, worst first', async () => {
    const sum = (await api(page, '/api/v1/summary?hosts=none')).body;
    assert.equal(sum.departments.length, 2);
    const rows = await page.$$('#overview-table tbody tr');
    assert.equal(rows.length, sum.departments.length);
    const shown = [];
    for (const row of rows) {
      const name = await row.getAttribute('data-department');
      const d = sum.departments.find((x) => x.name === name);
      assert.ok(d, name);
      assert.equal(figure(await row.$eval('.c-compliance .pct', (e) => e.textContent)), d.compliance_pct, name);
      assert.equal(int(await row.$eval('.c-hosts', (e) => e.textContent)), d.hosts, name);
      assert.equal(int(await row.$eval('.c-stale', (e) => e.textContent)), d.stale_hosts, name);
      assert.equal(int(await row.$eval('.c-fail', (e) => e.textContent)), d.fail, name);
      assert.equal(int(await row.$eval('.c-accepted', (e) => e.textContent)), d.accepted, name);
      shown.push(d);
    }
    const min = Math.min(...sum.departments.map((d) => d.compliance_pct));
    assert.equal(shown[0].compliance_pct, min, 'worst first');
    worst = shown[0].name;
    assert.equal(sum.departments.find((x) => x.name === SOC).stale_hosts, 1, 'soc-pc-3 never reported');
    assert.equal(worst, ALD); // 60.0 % (3 passed, 2 failed, 1 accepted) against 66.7 %
    await page.waitForFunction((n) => document.querySelectorAll('#overview-table svg.spark path.line').length === n,
      sum.departments.length);
    await shot(page, '03-overview');
  });

  let hostId;
  await step('department (2nd click): figures, most failed checks, hosts, acceptances', async () => {
    await page.click(`#overview-table tbody tr:first-child th a`);
    await page.waitForSelector('#failing-table');
    assert.equal(await page.textContent('#app-view h1'), `Förvaltning: ${worst}`);
    const d = (await api(page, '/api/v1/departments/' + enc(worst) + '?lang=sv')).body;
    assert.equal(figure(await page.textContent('.k-compliance .pct')), d.compliance_pct);
    assert.equal(int(await page.textContent('.k-hosts .kpi-value')), d.hosts.length); // the list
    assert.equal(int(await page.textContent('.k-stale .kpi-value')), d.stale_hosts);
    assert.equal(int(await page.textContent('.k-pass .kpi-value')), d.pass);
    assert.equal(int(await page.textContent('.k-fail .kpi-value')), d.fail);
    assert.equal(int(await page.textContent('.k-accepted .kpi-value')), d.accepted);
    // Per aspect (e2e.yml: passwd_present K R, impossible_file K, root_dir_present T): K sums
    // the first two checks' rows, T the third's; every tile shows the API's figure.
    const rowsOf = (ids) => d.checks.filter((c) => ids.includes(c.check));
    const sum = (rs, k) => rs.reduce((n, r) => n + r[k], 0);
    const K = d.aspects.find((a) => a.aspect === 'K');
    const kr = rowsOf(['e2e.passwd_present', 'e2e.impossible_file']);
    assert.deepEqual([K.pass, K.fail], [sum(kr, 'pass'), sum(kr, 'fail')]);
    assert.ok(K.fail > 0, 'K counts the failing check');
    for (const a of d.aspects)
      assert.equal(figure(await page.textContent(`.k-aspect-${a.aspect} .pct`)), a.compliance_pct, a.aspect);
    assert.match(await page.textContent('#aspects'), /Konfidentialitet/);
    const failing = d.checks.filter((c) => c.fail > 0).sort((a, b) => b.fail - a.fail);
    const first = await page.$('#failing-table tbody tr:first-child');
    assert.equal(await first.getAttribute('data-check'), failing[0].check, 'why: the most failed check');
    // Checks by their Swedish title, the id beside it (e2e.yml gives this one a title_sv).
    assert.equal(failing[0].check, 'e2e.impossible_file');
    assert.equal(failing[0].title, 'En fil som inget system har');
    assert.equal(await first.$eval('.check-title', (e) => e.textContent), 'En fil som inget system har');
    assert.equal(await first.$eval('code.check-id', (e) => e.textContent), 'e2e.impossible_file');
    assert.equal(failing[0].summary, 'En fil som inte finns på något system, så kontrollen underkänns alltid.');
    assert.equal(await first.$eval('.check-title', (e) => e.getAttribute('title')), failing[0].summary, 'the summary on hover');
    assert.equal(int(await first.$eval('.c-fail', (e) => e.textContent)), failing[0].fail);
    assert.equal((await page.$$('#failing-table tbody tr')).length, failing.length);
    assert.equal((await page.$$('#hosts-table tbody tr')).length, d.hosts.length);
    assert.equal((await page.$$('#hosts-table tbody tr.stale')).length, d.stale_hosts);
    assert.equal((await page.$$('#acceptances-table tbody tr')).length, d.acceptances.length);
    assert.equal(d.acceptances.length, 1);
    await shot(page, '04-department');
    hostId = await page.getAttribute('#hosts-table tbody tr:first-child', 'data-agent');
  });

  await step('deviations: a coordinator records owner, action and due date in the dashboard', async () => {
    const devdoc = (await api(page, '/api/v1/deviations?department=' + enc(worst))).body;
    const devs = devdoc.deviations;
    assert.ok(devs.length > 0, 'the failing check opened deviations');
    // A check failing on at least half the department's computers shows as department-wide.
    const shown = await page.$$eval('#deviation-patterns li', (lis) => lis.map((li) => li.dataset.check));
    assert.deepEqual(shown, devdoc.patterns.map((p) => p.check));
    assert.equal((await page.$$('#deviations-table tbody tr')).length, devs.length);
    const id = devs[0].id;
    const row = `#deviations-table tr[data-deviation="${id}"]`;
    await page.fill(`${row} input[name=owner]`, 'Karin Åberg, IT-enheten');
    await page.fill(`${row} input[name=action]`, 'Byt ut servern');
    await page.fill(`${row} input[name=due]`, '2027-01-31');
    await page.click(`${row} button[type=submit]`);
    await page.waitForFunction((sel) => document.querySelector(sel + ' input[name=owner]')?.value === 'Karin Åberg, IT-enheten', row);
    const after = (await api(page, '/api/v1/deviations?department=' + enc(worst))).body.deviations.find((v) => v.id === id);
    assert.deepEqual([after.owner, after.action, after.due], ['Karin Åberg, IT-enheten', 'Byt ut servern', '2027-02-01T00:00:00Z']);
    // Without the session's CSRF token the same request is refused.
    const nocsrf = await post(page, '/api/v1/deviations/' + id, JSON.stringify({ owner: 'x', action: 'y' }), { 'Content-Type': 'application/json' });
    assert.equal(nocsrf.status, 403);
    await shot(page, '05b-deviations');
  });

  await step('host (3rd click): every result with evidence, controls and since when', async () => {
    await page.click('#hosts-table tbody tr:first-child th a');
    await page.waitForSelector('#results-table');
    const x = (await api(page, '/api/v1/hosts/' + enc(hostId) + '?lang=sv')).body;
    assert.equal(await page.textContent('#app-view h1'), `Dator: ${x.hostname}`);
    const rows = await page.$$('#results-table tbody tr');
    assert.equal(rows.length, x.results.length);
    for (const r of x.results) {
      const row = await page.$(`#results-table tbody tr[data-check="${r.check}"]`);
      assert.ok(row, r.check);
      assert.equal(await row.getAttribute('data-status'), r.counted_as);
      assert.equal(await row.$eval('td.evidence', (e) => e.textContent), r.evidence);
      assert.equal(await row.$eval('.check-title', (e) => e.textContent), r.title || r.check, r.check);
      assert.equal(await row.$eval('td:nth-child(4)', (e) => e.textContent), r.controls.join(', '));
      assert.ok((await row.$eval('td:nth-child(6)', (e) => e.textContent)).length > 0);
    }
    assert.equal(await page.getAttribute('#results-table tbody tr:first-child', 'data-status'), 'fail', 'failures first');
    // The agents ran the collector's catalog: the host says it ran the assigned policy.
    assert.equal(x.policy.assigned, true);
    assert.match(await page.textContent('#host-policy'), new RegExp('tilldelade policyn ' + x.policy.id));
    assert.equal(figure(await page.textContent('.k-compliance .pct')), x.compliance_pct);
    // Its level per aspect and why, as its latest report was judged.
    for (const k of ['K', 'R', 'T', 'S']) {
      const row = await page.$(`#host-levels tr[data-aspect="${k}"]`);
      assert.ok(row, k);
      assert.equal(await row.$eval('.c-level', (e) => e.textContent),
        { basic: 'grundläggande', elevated: 'förhöjd', high: 'hög' }[x.levels[k].level] || x.levels[k].level);
      assert.match(await row.$eval('.c-why', (e) => e.textContent),
        x.levels[k].from === 'system' ? new RegExp(x.levels[k].system) : /förvaltningens nivå/);
    }
    await shot(page, '05-host');
  });

  await step('controls: ISO 27002 heat map per department equals /api/v1/controls, uncovered included', async () => {
    await page.click('#nav a[href="#/controls"]');
    await page.waitForSelector('#heatmap');
    const all = (await api(page, '/api/v1/controls')).body;
    const rows = await page.$$('#heatmap tbody tr');
    assert.equal(rows.length, all.controls.length + all.not_covered.length);
    assert.equal(rows.length, 93);
    // Swedish titles of the controls, the project's own (the API's title_sv).
    assert.equal(await page.textContent('#heatmap tr[data-control="8.24"] td.title'), 'Kryptering');
    for (const c of all.controls.concat(all.not_covered))
      assert.equal(await page.textContent(`#heatmap tr[data-control="${c.control}"] td.title`), c.title_sv, c.control);
    assert.equal((await page.$$('#heatmap tbody tr.uncovered')).length, all.not_covered.length);
    const heads = await page.$$eval('#heatmap thead th', (ths) => ths.map((t) => t.textContent));
    assert.deepEqual(heads.slice(3).sort(), [ALD, SOC].sort());
    for (const c of all.controls) {
      const cells = await page.$$eval(`#heatmap tr[data-control="${c.control}"] td.hm`, (tds) => tds.map((t) => t.textContent));
      assert.equal(figure(cells[0]), c.compliance_pct, c.control);
      for (const [i, name] of heads.slice(3).entries()) {
        const per = (await api(page, '/api/v1/controls?department=' + enc(name))).body;
        const pc = per.controls.find((x) => x.control === c.control);
        assert.equal(figure(cells[i + 1]), pc ? pc.compliance_pct : null, `${c.control} ${name}`);
      }
    }
    assert.equal(await page.textContent('#coverage'), `${all.covered_controls} av 93 säkerhetsåtgärder täcks av tekniska kontroller.`);
    await shot(page, '06-controls');
    await page.selectOption('#controls-filter', 'covered');
    assert.equal(await page.isVisible('#heatmap tr.uncovered'), false);
  });

  await step('trend: the daily points equal /api/v1/trend, whole municipality and one department', async () => {
    await page.click('#nav a[href="#/trend"]');
    await page.waitForSelector('#trend-table');
    const since = await page.inputValue('#trend-since');
    const tr = (await api(page, '/api/v1/trend?since=' + since)).body;
    assert.ok(tr.points.length >= 3, `history of D..D+3: ${tr.points.length}`);
    const rows = await page.$$('#trend-table tbody tr');
    assert.equal(rows.length, tr.points.length);
    for (const p of tr.points)
      assert.equal(figure(await page.textContent(`#trend-table tr[data-day="${p.day}"] .pct`)), p.compliance_pct, p.day);
    assert.ok(await page.$('figure.chart-box svg path.line'));
    await shot(page, '07-trend');
    await page.selectOption('#trend-department', ALD);
    await page.click('#trend-form button[type=submit]');
    await page.waitForFunction(() => location.hash.includes('department='));
    // The table of the department, not the municipality's one still on the page while the
    // new one is fetched (both may have as many rows).
    await page.waitForSelector(`#trend-table[data-department="${ALD}"]`);
    const tr2 = (await api(page, `/api/v1/trend?since=${since}&department=${enc(ALD)}`)).body;
    await page.waitForFunction((n) => document.querySelectorAll('#trend-table tbody tr').length === n, tr2.points.length);
    for (const p of tr2.points)
      assert.equal(figure(await page.textContent(`#trend-table tr[data-day="${p.day}"] .pct`)), p.compliance_pct, p.day);
    // The acceptance of day D+2 shows in the history: Äldreomsorgen went from 50 % to 60 %.
    const vals = tr2.points.map((p) => p.compliance_pct);
    assert.equal(vals[0], 50);
    assert.equal(vals[vals.length - 1], 60);
  });

  await step('coverage: the device list against the reporting computers equals /api/v1/coverage', async () => {
    await page.click('#nav a[href="#/coverage"]');
    await page.waitForSelector('#coverage-table');
    const c = (await api(page, '/api/v1/coverage')).body;
    // Hand-worked in run.sh: Socialförvaltningen 4/2/1/1 50 %, Äldreomsorgen 1/1/0/0 100 % and
    // 2 unlisted, the whole municipality 5/3/1/1 60 %.
    const cells = async (d) => page.$$eval(`#coverage-table tr[data-department="${d}"] td`,
      (tds) => tds.map((td) => td.textContent.trim()));
    const soc = await cells('Socialförvaltningen');
    assert.deepEqual([soc[0], soc[1], soc[2], soc[3], soc[5]], ['4', '2', '1', '1', '0']);
    assert.equal(figure(soc[4]), 50);
    const ald = await cells('Äldreomsorgen');
    assert.deepEqual([ald[0], ald[1], ald[5]], ['1', '1', '2']);
    assert.equal(figure(ald[4]), 100);
    const tot = await cells('');
    assert.deepEqual([tot[0], tot[1], tot[2], tot[3]], ['5', '3', '1', '1']);
    assert.equal(figure(tot[4]), c.totals.coverage_pct);
    assert.equal(c.totals.coverage_pct, 60);
    assert.match(await page.textContent('#never-seen'), /soc-pc-9/);
    await shot(page, '07b-coverage');
  });

  await step('systems: owners, classes and figures per aspect equal /api/v1/systems', async () => {
    await page.click('#nav a[href="#/systems"]');
    await page.waitForSelector('#systems-table');
    const doc = (await api(page, '/api/v1/systems')).body;
    assert.equal(doc.systems.length, 1);
    const y = doc.systems[0];
    assert.equal(y.name, 'Procapita');
    // soc-pc-1 reports, soc-pc-9 is listed and tied but never seen.
    assert.deepEqual([y.hosts, y.reporting], [2, 1]);
    const cells = await page.$$eval('#systems-table tr[data-system="Procapita"] td', (tds) => tds.map((td) => td.textContent.trim()));
    assert.deepEqual(cells.slice(0, 5), ['Anna Ek, socialchef', 'Socialnämnden', 'K4 R3 T2', SOC, '2 (1)']);
    assert.equal(figure(cells[5]), y.compliance_pct);
    for (const [i, k] of ['K', 'R', 'T', 'S'].entries())
      assert.equal(figure(cells[6 + i]), y.aspects.find((a) => a.aspect === k).compliance_pct, k);
    const host = (await api(page, '/api/v1/hosts/' + enc(y.machines.find((m) => m.agent_id).agent_id))).body;
    assert.equal(y.compliance_pct, host.compliance_pct, "the system's one reporting computer decides its figure");
    await shot(page, '07c-systems');
  });

  await step('export (CSV for Excel) and the board report download', async () => {
    await page.click('#nav a[href="#/export"]');
    await page.waitForSelector('#export-link');
    assert.match(await page.getAttribute('#export-link', 'href'), /format=csv&csv_dialect=excel-sv&lang=sv/);
    await shot(page, '08-export');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-link')]);
    const csv = fs.readFileSync(await dl.path());
    assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
    assert.match(csv.toString('utf8'), /^\ufeffdepartment;hostname;agent_id;seq;generated_at;received_at;check;status;severity;level;controls;evidence;report_sha256;platform;os_edition;os_build;title\r\n/);
    assert.ok(csv.toString('utf8').split('\r\n').some((l) => l.includes(';e2e.impossible_file;fail;') && l.endsWith(';En fil som inget system har')),
      'the Swedish title in the last column');
    assert.ok(csv.toString('utf8').includes(SOC));
    await page.selectOption('#report-lang', 'sv');
    const [rep] = await Promise.all([page.waitForEvent('download'), page.click('#report-link')]);
    const html = fs.readFileSync(await rep.path(), 'utf8');
    // The Swedish board report prints on A4 without losing a column: its own @page size,
    // and laid out in the printable width (210 mm less 2 x 18 mm margins = 174 mm, 657 CSS
    // px) no table reaches beyond it.
    assert.match(html, /@page\{size:A4;margin:18mm\}/);
    assert.ok(html.includes('En fil som inget system har <span class="id">(e2e.impossible_file)</span>'), 'checks by title, id beside');
    fs.writeFileSync(path.join(ART, 'board-report-sv.html'), html);
    const pr = await ctx.newPage();
    try {
      await pr.setContent(html);
      await pr.emulateMedia({ media: 'print' });
      await pr.setViewportSize({ width: 657, height: 930 });
      const over = await pr.evaluate(() => [...document.querySelectorAll('table, svg, h1, h2, p')]
        .filter((e) => e.getBoundingClientRect().right > 657.5 || e.scrollWidth > e.clientWidth + 0.5)
        .map((e) => e.tagName + ' ' + (e.id || e.textContent.slice(0, 40)) + ' ' + e.getBoundingClientRect().right));
      assert.deepEqual(over, [], 'wider than the printable A4 width');
      assert.ok(await pr.evaluate(() => document.documentElement.scrollWidth <= 657), 'no horizontal overflow');
      const pdf = (await pr.pdf({ preferCSSPageSize: true, printBackground: true })).toString('latin1');
      const boxes = [...pdf.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [+m[1], +m[2]]);
      assert.ok(boxes.length >= 1, 'the PDF has pages');
      for (const [w, hgt] of boxes) // A4: 595.28 x 841.89 pt
        assert.ok(Math.abs(w - 595.28) < 2 && Math.abs(hgt - 841.89) < 2, `page ${w} x ${hgt} pt is not A4`);
      fs.writeFileSync(path.join(ART, 'board-report-sv.pdf'), Buffer.from(pdf, 'latin1'));
      await pr.screenshot({ path: path.join(ART, 'board-report-sv-a4.png'), fullPage: true });
    } finally {
      await pr.close();
    }
    assert.match(html, /<html lang="sv"/);
    assert.ok(html.includes(ALD) && html.includes(SOC));
    assert.equal(rep.suggestedFilename(), 'efterlev-uppfoljning.html');
  });

  await step('a coordinator records a risk acceptance in the dashboard', async () => {
    await page.evaluate((n) => { location.hash = '#/department/' + encodeURIComponent(n); }, worst);
    await page.waitForSelector('#accept-form');
    const dv = (await api(page, '/api/v1/deviations?department=' + enc(worst))).body.deviations
      .find((v) => !v.accepted && v.check === 'e2e.impossible_file');
    assert.ok(dv, 'an unaccepted deviation to accept');
    await page.selectOption('#accept-check', 'e2e.impossible_file');
    await page.selectOption('#accept-host', dv.agent_id);
    await page.fill('#accept-until', '2027-06-30');
    await page.fill('#accept-reason', 'Servern ersätts i juni; beslut av förvaltningschefen');
    await page.fill('#accept-by', 'Eva Lind');
    await page.click('#accept-form button[type=submit]');
    await page.waitForFunction((id) => fetch('/api/v1/deviations', { credentials: 'same-origin' })
      .then((r) => r.json()).then((j) => j.deviations.some((v) => v.id === id && v.accepted)), dv.id);
    const d = (await api(page, '/api/v1/departments/' + enc(worst))).body;
    const acc = d.acceptances.find((x) => x.reason === 'Servern ersätts i juni; beslut av förvaltningschefen');
    assert.ok(acc, 'the acceptance is stored');
    assert.equal(acc.by, 'Eva Lind (user:samordnare)', 'who decided, and who recorded it');
    assert.deepEqual([acc.host, acc.hostname], [dv.agent_id, dv.hostname]);
    // The same request without the CSRF token is refused.
    const nocsrf = await post(page, '/api/v1/acceptances', JSON.stringify({ department: worst, check: 'e2e.impossible_file',
      until: '2027-06-30', reason: 'x', by: 'y' }), { 'Content-Type': 'application/json' });
    assert.equal(nocsrf.status, 403);
  });

  await step('English by choice; labels and figures follow', async () => {
    await page.selectOption('#lang', 'en');
    await page.click('#nav a[href="#/overview"]');
    await page.waitForFunction(() => document.querySelector('#app-view h1')?.textContent === 'Overview');
    assert.equal(await page.textContent('#nav a[href="#/controls"]'), 'Controls');
    const sum = (await api(page, '/api/v1/summary?hosts=none')).body;
    const d = sum.departments.find((x) => x.name === SOC);
    assert.equal(await page.textContent(`#overview-table tr[data-department="${SOC}"] .c-compliance .pct`),
      d.compliance_pct.toFixed(1) + ' %');
    await shot(page, '09-overview-en');
    // A check's title follows the language: English on the department page now.
    await page.evaluate((n) => { location.hash = '#/department/' + encodeURIComponent(n); }, worst);
    await page.waitForFunction(() => document.querySelector('#failing-table tr[data-check="e2e.impossible_file"] .check-title')?.textContent === 'A file that no system has');
    await page.click('#nav a[href="#/controls"]');
    await page.waitForFunction(() => document.querySelector('#heatmap tr[data-control="8.24"] td.title')?.textContent === 'Use of cryptography');
    await page.click('#nav a[href="#/overview"]');
    await page.waitForFunction(() => document.querySelector('#app-view h1')?.textContent === 'Overview');
    await page.selectOption('#lang', 'sv');
    await page.waitForFunction(() => document.querySelector('#app-view h1')?.textContent === 'Översikt');
  });

  await step('logout ends the session on the server', async () => {
    const cookie = (await ctx.cookies()).find((x) => x.name === '__Host-efterlev_session');
    // Without the CSRF token, logout is refused.
    const nocsrf = await post(page, '/api/v1/logout', '', {});
    assert.equal(nocsrf.status, 403);
    assert.equal((await api(page, '/api/v1/summary')).status, 200);
    await page.click('#logout');
    await page.waitForSelector('#login-view:not([hidden])');
    assert.equal((await api(page, '/api/v1/summary')).status, 401);
    // The old cookie value itself is dead, not just forgotten by the browser.
    const r = await ctx.request.get(BASE + '/api/v1/summary', { headers: { Cookie: `${cookie.name}=${cookie.value}` } });
    assert.equal(r.status(), 401);
    await shot(page, '10-logged-out');
  });
} finally {
  await ctx.close();
}

// A department's user, with an English browser (Accept-Language): only their department.
{
  const { ctx: c2, page: p2 } = await newPage('en-GB');
  try {
    await step('Accept-Language: English; a department user sees only their department', async () => {
      await p2.goto(BASE + '/');
      await p2.waitForSelector('#login-view:not([hidden])');
      assert.equal(await p2.textContent('#login-view h1'), 'Log in');
      await login(p2, 'ald-chef', PW_DEPT);
      await p2.waitForSelector('#overview-table');
      const rows = await p2.$$eval('#overview-table tbody tr', (trs) => trs.map((t) => t.dataset.department));
      assert.deepEqual(rows, [ALD]);
      const sum = (await api(p2, '/api/v1/summary?hosts=none')).body;
      assert.equal(sum.departments.length, 1);
      await shot(p2, '11-department-user');
    });
    await step('another department is refused: in the UI and by direct API URLs (403)', async () => {
      await p2.evaluate((n) => { location.hash = '#/department/' + encodeURIComponent(n); }, SOC);
      await p2.waitForSelector('#app-view p.error[data-status="403"]');
      assert.match(await p2.textContent('#app-view h1'), /403/);
      await shot(p2, '12-department-refused');
      assert.equal((await api(p2, '/api/v1/departments/' + enc(SOC))).status, 403);
      assert.equal((await api(p2, '/api/v1/departments/' + enc(ALD))).status, 200);
      assert.equal((await api(p2, '/api/v1/controls?department=' + enc(SOC))).status, 403);
      assert.equal((await api(p2, '/api/v1/trend?department=' + enc(SOC))).status, 403);
      assert.equal((await api(p2, '/api/v1/export?format=csv&department=' + enc(SOC))).status, 403);
      assert.equal((await api(p2, '/api/v1/report?period=2026&lang=sv')).status, 403);
      const sum = (await api(p2, '/api/v1/summary')).body;
      assert.ok(sum.hosts.every((h) => h.department === ALD));
      assert.deepEqual((await api(p2, '/api/v1/systems')).body.systems, [], "another department's system is not shown");
      const other = (await api(p2, '/api/v1/summary')).body.hosts.length;
      assert.equal(other, 3);
      // Their department's deviations, read only: no form, and the API refuses the write.
      await p2.evaluate((n) => { location.hash = '#/department/' + encodeURIComponent(n); }, ALD);
      await p2.waitForSelector('#deviations-table');
      assert.equal(await p2.$('#deviations-table form'), null);
      const dv = (await api(p2, '/api/v1/deviations')).body.deviations;
      assert.ok(dv.length > 0 && dv.every((v) => v.department === ALD));
      const csrf = (await api(p2, '/api/v1/session')).body.csrf;
      const w = await post(p2, '/api/v1/deviations/' + dv[0].id, JSON.stringify({ owner: 'x', action: 'y' }),
        { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf });
      assert.equal(w.status, 403);
      assert.equal(await p2.$('#accept-form'), null, 'no acceptance form for a department user');
      const wa = await post(p2, '/api/v1/acceptances', JSON.stringify({ department: ALD, check: 'e2e.impossible_file',
        until: '2027-06-30', reason: 'x', by: 'y' }), { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf });
      assert.equal(wa.status, 403, 'a department user cannot accept risks');
      await p2.click('#nav a[href="#/export"]');
      await p2.waitForSelector('#no-report');
      assert.equal(await p2.$('#report-link'), null);
    });
  } finally {
    await c2.close();
  }
}

// The auditor reads and exports everything.
{
  const { ctx: c3, page: p3 } = await newPage('sv-SE');
  try {
    await step('auditor: everything readable, report downloadable', async () => {
      await p3.goto(BASE + '/');
      await login(p3, 'revisor', PW_AUD);
      assert.equal((await api(p3, '/api/v1/summary?hosts=none')).body.departments.length, 2);
      assert.equal((await api(p3, '/api/v1/departments/' + enc(SOC))).status, 200);
      await p3.click('#nav a[href="#/export"]');
      await p3.waitForSelector('#report-link');
      const r = await api(p3, '/api/v1/export?format=json');
      assert.equal(r.status, 200);
      const dv = (await api(p3, '/api/v1/deviations')).body.deviations;
      const csrf = (await api(p3, '/api/v1/session')).body.csrf;
      const w = await post(p3, '/api/v1/deviations/' + dv[0].id, JSON.stringify({ owner: 'x', action: 'y' }),
        { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf });
      assert.equal(w.status, 403, 'the auditor reads, never writes');
    });
  } finally {
    await c3.close();
  }
}

await step('no Content-Security-Policy violation and no script error on any page', async () => {
  assert.deepEqual(cspViolations, []);
  assert.deepEqual(pageErrors, []);
});
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
