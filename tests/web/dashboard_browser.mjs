// Browser test of the dashboard: a real sovereignd with the demo reserve, driven by headless Chromium through
// playwright-core. Checks that each view renders the node's real data and that operator actions work end to end;
// saves screenshots. Exits 77 (CTest "skipped") when Chromium or playwright-core is not installed.
//   node dashboard_browser.mjs <sovereignd> <screenshot dir>
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';

const [daemon, shots] = process.argv.slice(2);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const require = createRequire(path.join(path.dirname(new URL(import.meta.url).pathname), '../../web/package.json'));
let chromium;
try { ({chromium} = require('playwright-core')); } catch { console.log('SKIP: playwright-core not installed (scripts/deps.sh)'); process.exit(77); }
if (!fs.existsSync(chromiumPath)) { console.log('SKIP: no Chromium at ' + chromiumPath); process.exit(77); }

function freePort() {
  return new Promise(resolve => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}
function assert(cond, msg) { if (!cond) { throw new Error('assertion failed: ' + msg); } }

const datadir = fs.mkdtempSync(path.join(os.tmpdir(), 'sov_browser_'));
const rpcport = await freePort(), webport = await freePort();
const node = spawn(daemon, ['-regtest', '-datadir=' + datadir, '-rpcport=' + rpcport, '-dashboard', '-demoreserve',
  '-dashboardport=' + webport, '-dashboardpassword=browser-test', '-minefirststart=5', '-printtoconsole=0'], {stdio: 'inherit'});
const base = `http://127.0.0.1:${webport}`;
let browser;
try {
  for (let i = 0; ; i++) {
    try { const r = await fetch(base + '/api/public'); if (r.ok) break; } catch {}
    if (i > 300) throw new Error('dashboard did not start');
    await new Promise(r => setTimeout(r, 100));
  }
  const expected = await (await fetch(base + '/api/public')).json();
  fs.mkdirSync(shots, {recursive: true});
  browser = await chromium.launch({executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu']});
  const page = await browser.newPage({viewport: {width: 1200, height: 1400}});
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  // Refused requests (401, 422) are expected; script errors are not.
  page.on('console', m => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });

  // Public view: the node's figures, a drawn chart, the chain tip.
  await page.goto(base + '/');
  await page.waitForSelector('body[data-loaded="true"]', {timeout: 15000});
  const btc = await page.textContent('#holdings-btc');
  assert(btc === (expected.holdings.holdings_sat / 1e8).toFixed(8) + ' BTC', 'holdings shown: ' + btc);
  assert((await page.textContent('#chain-height')) === String(expected.chain.height), 'chain height');
  assert((await page.textContent('#chain-tip')) === expected.chain.best_block, 'chain tip');
  assert(await page.locator('#chart canvas').count() > 0, 'chart drawn');
  assert((await page.textContent('#institution')).includes('regtest'), 'institution');
  await page.screenshot({path: path.join(shots, 'dashboard-public.png'), fullPage: true});

  // Operator view: a wrong password is refused, the right one opens the console.
  await page.goto(base + '/operator');
  await page.fill('#password', 'wrong');
  await page.click('#login-button');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  assert((await page.textContent('#login-error')).includes('wrong password'), 'wrong password message');
  await page.fill('#password', 'browser-test');
  await page.click('#login-button');
  await page.waitForSelector('#console:not([hidden])');
  await page.waitForSelector('body[data-loaded="true"]');
  const rowsBefore = await page.locator('#ledger tbody tr').count();
  assert(rowsBefore === 52, 'demo ledger rows: ' + rowsBefore);
  assert((await page.textContent('#policy')).includes('Central Bank Governor'), 'policy shown');

  // Actions: verify the audit log, record a purchase, see a refusal with its reason.
  await page.click('#verify-audit');
  await page.waitForFunction(() => document.querySelector('#audit-status').textContent.length > 0);
  assert((await page.textContent('#audit-status')).startsWith('verified'), 'audit verified');
  await page.selectOption('#entry-kind', 'purchase');
  await page.fill('#entry-date', new Date().toISOString().slice(0, 10));
  await page.fill('#entry-btc', '0.25');
  await page.fill('#entry-fiat', '20000');
  await page.fill('#entry-venue', 'Browser test desk');
  await page.click('#entry-add');
  await page.waitForFunction(n => document.querySelectorAll('#ledger tbody tr').length === n, rowsBefore + 1);
  assert((await page.textContent('#entry-result')).startsWith('Recorded entry'), 'entry recorded');
  await page.selectOption('#entry-kind', 'sale');
  await page.fill('#entry-btc', '100000');
  await page.click('#entry-add');
  await page.waitForFunction(() => document.querySelector('#entry-result').textContent.startsWith('Refused'));
  assert((await page.textContent('#entry-result')).includes('exceeds holdings'), 'refusal reason');
  await page.screenshot({path: path.join(shots, 'dashboard-operator.png'), fullPage: true});

  // The public page reflects the new entry.
  const after = await (await fetch(base + '/api/public')).json();
  assert(after.holdings.holdings_sat === expected.holdings.holdings_sat + 25000000, 'holdings grew by 0.25 BTC');
  // A cross-site style request without the page's CSRF token is refused even with the session cookie.
  const cookies = await page.context().cookies();
  const session = cookies.find(c => c.name === 'sov_session');
  const forged = await fetch(base + '/api/operator/ledger/add', {method: 'POST', headers: {Cookie: 'sov_session=' + session.value},
    body: JSON.stringify({kind: 'sale', date: '2026-01-01', amount_btc: '1', fiat: '1'})});
  assert(forged.status === 403, 'forged request refused: ' + forged.status);
  assert(errors.length === 0, 'no page errors: ' + errors.join('; '));
  console.log('dashboard browser test passed; screenshots in ' + shots);
} finally {
  if (browser) await browser.close();
  node.kill('SIGTERM');
  await new Promise(r => node.on('exit', r));
  fs.rmSync(datadir, {recursive: true, force: true});
}
