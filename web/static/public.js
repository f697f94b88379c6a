// Public view: figures, chart and descriptors from /api/public (no outside requests).
'use strict';
function fmtBtc(sats) { return (sats / 1e8).toFixed(8) + ' BTC'; }
function fmtFiat(minor, cur) { return minor == null ? 'n/a' : (minor / 100).toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2}) + ' ' + cur; }
function text(id, value) { document.getElementById(id).textContent = value; }

async function load() {
  const res = await fetch('/api/public');
  const d = await res.json();
  text('institution', d.institution);
  document.title = d.institution;
  const h = d.holdings, cur = d.currency;
  text('holdings-btc', fmtBtc(h.holdings_sat));
  text('holdings-fiat', h.market_value == null ? 'no price yet' : fmtFiat(h.market_value, cur) + ' at ' + fmtFiat(h.price, cur) + '/BTC (' + h.price_date + ')');
  text('cost-basis', fmtFiat(h.cost_basis, cur));
  text('unrealized', fmtFiat(h.unrealized, cur));
  text('realized', fmtFiat(h.realized, cur));
  text('chain-name', d.chain.name);
  text('chain-height', String(d.chain.height));
  text('chain-tip', d.chain.best_block);
  const list = document.getElementById('descriptors');
  list.replaceChildren();
  for (const desc of d.descriptors) { const li = document.createElement('li'); li.textContent = desc; list.appendChild(li); }
  if (d.descriptors.length === 0) { const li = document.createElement('li'); li.textContent = 'No descriptors published.'; list.appendChild(li); }
  drawProofs(d.proofs || []);
  drawChart(d.series, cur);
  document.body.dataset.loaded = 'true';
}

function drawProofs(proofs) {
  const box = document.getElementById('proofs');
  if (!proofs.length) return;
  box.replaceChildren();
  const table = document.createElement('table');
  table.id = 'proof-table';
  const head = table.insertRow();
  for (const h of ['Date', 'Institution', 'Block height', 'Claimed', 'Liabilities', 'File', 'Check']) { const th = document.createElement('th'); th.textContent = h; head.appendChild(th); }
  for (const p of proofs) {
    const row = table.insertRow();
    const liabilities = p.liabilities_sat == null ? 'not stated' : fmtBtc(p.liabilities_sat);
    for (const v of [p.date, p.institution, String(p.height), fmtBtc(p.claimed_sat), liabilities]) { const td = row.insertCell(); td.textContent = v; }
    const link = document.createElement('a'); link.href = '/proofs/' + encodeURIComponent(p.name); link.textContent = 'download';
    row.insertCell().appendChild(link);
    const cell = row.insertCell();
    const button = document.createElement('button'); button.textContent = 'Verify on this node'; button.className = 'verify';
    const result = document.createElement('span'); result.className = 'verify-result';
    button.addEventListener('click', async () => {
      result.textContent = 'checking…';
      try {
        const res = await fetch('/api/verify', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name: p.name})});
        const v = await res.json();
        if (!res.ok) throw new Error(v.error || res.statusText);
        let text = v.valid ? ' valid: ' + v.proven_amount + ' BTC proven' : ' NOT valid: ' + v.reason;
        if (v.solvent !== undefined) text += v.solvent ? ' · solvent, surplus ' + v.surplus + ' BTC' : ' · solvency NOT shown';
        result.textContent = text;
        result.className = 'verify-result ' + (v.valid && v.solvent !== false ? 'ok' : 'bad');
      } catch (e) { result.textContent = ' error: ' + e.message; result.className = 'verify-result bad'; }
    });
    cell.appendChild(button); cell.appendChild(result);
  }
  box.appendChild(table);
  const note = document.createElement('p');
  note.className = 'small';
  note.textContent = 'A proof is a transaction that can never be mined but carries the officials\' signatures over every reserve coin. "Verify" asks this node to check each signature and that each coin is still unspent. Where the proof states liabilities (what the institution owes account holders, committed in a Merkle-sum tree), the same signatures cover that total, so the check also shows whether the reserve covers it; each holder checks their own balance is included with sovereign-cli verifyliabilityproof. Anyone can do all this with their own node: sovereign-cli verifyreserves FILE.';
  box.appendChild(note);
}

function drawChart(series, cur) {
  const el = document.getElementById('chart');
  el.replaceChildren();
  if (!series.length || typeof uPlot === 'undefined') { el.textContent = 'No history yet.'; return; }
  const xs = series.map(p => p.time), btc = series.map(p => p.holdings_sat / 1e8), value = series.map(p => p.market_value == null ? null : p.market_value / 100);
  new uPlot({
    width: Math.min(1000, el.clientWidth || 900), height: 300,
    series: [{}, {label: 'Holdings (BTC)', stroke: '#0b3d2e', scale: 'btc'}, {label: 'Value (' + cur + ')', stroke: '#c77d00', scale: 'fiat'}],
    axes: [{}, {scale: 'btc', size: 60}, {scale: 'fiat', side: 1, size: 100, grid: {show: false}}],
  }, [xs, btc, value], el);
}

load().catch(e => { text('holdings-btc', 'unavailable'); console.error(e); });
