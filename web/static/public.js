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
  drawChart(d.series, cur);
  document.body.dataset.loaded = 'true';
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
