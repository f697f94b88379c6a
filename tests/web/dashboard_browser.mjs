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
import crypto from 'node:crypto';

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

// One valid (non-block) share to the node's Stratum pool, built as a miner does, so the pool panel has real data.
function sha256d(buf) { return crypto.createHash('sha256').update(crypto.createHash('sha256').update(buf).digest()).digest(); }
async function submitOneShare(port, worker) {
  const sock = net.connect(port, '127.0.0.1');
  let buf = '', job = null;
  const waiters = new Map();
  sock.on('data', d => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0;) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (m.method === 'mining.notify') job = m.params;
      else if (m.id != null && waiters.has(m.id)) { waiters.get(m.id)(m); waiters.delete(m.id); }
    }
  });
  await new Promise((resolve, reject) => { sock.on('connect', resolve); sock.on('error', reject); });
  const call = (id, method, params) => new Promise(r => { waiters.set(id, r); sock.write(JSON.stringify({id, method, params}) + '\n'); });
  const en1 = (await call(1, 'mining.subscribe', [])).result[1];
  assert((await call(2, 'mining.authorize', [worker, 'x'])).result === true, 'worker authorized');
  await call(3, 'mining.suggest_difficulty', [1e-12]);
  for (let i = 0; !job && i < 200; i++) await new Promise(r => setTimeout(r, 25));
  const [id, prev, coinb1, coinb2, branch, version, nbits, ntime] = job;
  const en2 = '0000000000000001';
  let root = sha256d(Buffer.from(coinb1 + en1 + en2 + coinb2, 'hex'));
  for (const b of branch) root = sha256d(Buffer.concat([root, Buffer.from(b, 'hex')]));
  const header = Buffer.alloc(80);
  header.writeUInt32LE(parseInt(version, 16), 0);
  const p = Buffer.from(prev, 'hex');
  for (let w = 0; w < 8; w++) for (let i = 0; i < 4; i++) header[4 + w * 4 + i] = p[w * 4 + 3 - i];
  root.copy(header, 36);
  header.writeUInt32LE(parseInt(ntime, 16), 68);
  header.writeUInt32LE(parseInt(nbits, 16), 72);
  for (let nonce = 0; ; nonce++) {
    header.writeUInt32LE(nonce, 76);
    if (sha256d(header)[31] < 0x80) continue;  // a block would be fine too, but keep the chain as the test expects
    const r = await call(4, 'mining.submit', [worker, id, en2, ntime, nonce.toString(16).padStart(8, '0')]);
    sock.end();
    return r;
  }
}

const datadir = fs.mkdtempSync(path.join(os.tmpdir(), 'sov_browser_'));
const rpcport = await freePort(), webport = await freePort(), stratumport = await freePort();
const node = spawn(daemon, ['-regtest', '-datadir=' + datadir, '-rpcport=' + rpcport, '-dashboard', '-demoreserve',
  '-dashboardport=' + webport, '-dashboardpassword=browser-test', '-minefirststart=5', '-printtoconsole=0',
  '-stratum', '-stratumbind=127.0.0.1', '-stratumport=' + stratumport, '-stratumpayout=bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
  '-stratumplanmegawatts=10', '-stratumplanefficiency=20'], {stdio: 'inherit'});
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

  // Pool panel: a share from a real Stratum exchange, then the panel shows the pool's own figures.
  const share = await submitOneShare(stratumport, 'site9.rig1');
  assert(share.result === true, 'share accepted: ' + JSON.stringify(share));
  const pool = await (await fetch(base + '/api/pool')).json();
  assert(pool.accepted >= 1 && pool.sites.site9 && pool.sites.site9.workers === 1, 'pool api: ' + JSON.stringify(pool));
  await page.goto(base + '/');
  await page.waitForSelector('#pool-panel[data-loaded="true"]', {timeout: 15000});
  assert(await page.isVisible('#pool-panel'), 'pool panel visible');
  assert((await page.textContent('#pool-accepted')) === String(pool.accepted), 'pool accepted shown');
  assert((await page.textContent('#pool-blocks')) === String(pool.blocks), 'pool blocks shown');
  assert(await page.locator('#pool-sites tr[data-site="site9"]').count() === 1, 'site row');
  assert((await page.textContent('#pool-sites tr[data-site="site9"]')).includes('1 ('), 'site workers');
  assert(!(await page.textContent('#pool-hashrate')).startsWith('n/a'), 'pool hashrate shown');
  assert((await page.textContent('#pool-plan')).includes('10 MW'), 'plan shown');
  assert((await page.textContent('#pool-expected-hashrate')).endsWith('PH/s'), 'expected hashrate (10 MW / 20 J/TH = 0.5 EH/s)');
  assert((await page.textContent('#pool-measured-hashrate')) !== 'n/a', 'measured hashrate');
  await page.locator('#pool-panel').screenshot({path: path.join(shots, 'dashboard-pool.png')});

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
