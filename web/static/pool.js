// Mining pool panel of the public view: hashrate, workers per site, shares, blocks and the energy plan's expectation
// next to what was measured, from /api/pool (the node's own Stratum pool; the panel stays hidden without one).
'use strict';
(function () {
  function fmtRate(hs) {
    if (hs == null) return 'n/a';
    const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];
    let i = 0;
    while (hs >= 1000 && i < units.length - 1) { hs /= 1000; i++; }
    return hs.toFixed(hs < 10 ? 2 : 1) + ' ' + units[i];
  }
  function set(id, value) { document.getElementById(id).textContent = value; }
  function cell(row, value) { row.insertCell().textContent = value; }

  async function loadPool() {
    const panel = document.getElementById('pool-panel');
    const res = await fetch('/api/pool');
    if (res.status === 404) { panel.dataset.loaded = 'absent'; return; }
    const p = await res.json();
    if (!res.ok) throw new Error(p.error || res.statusText);
    panel.hidden = false;
    set('pool-hashrate', fmtRate(p.hashrate));
    set('pool-accepted', String(p.accepted));
    set('pool-rejected', String(p.rejected));
    set('pool-blocks', String(p.blocks));
    set('pool-workers', String(p.workers_connected) + ' connected');
    const table = document.getElementById('pool-sites');
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const [name, s] of Object.entries(p.sites)) {
      const row = body.insertRow();
      row.dataset.site = name;
      cell(row, name);
      cell(row, String(s.workers) + ' (' + String(s.connected) + ' connected)');
      cell(row, fmtRate(s.hashrate));
      cell(row, String(s.accepted));
      cell(row, String(s.rejected));
      cell(row, String(s.blocks));
    }
    if (!body.rows.length) { const row = body.insertRow(); const c = row.insertCell(); c.colSpan = 6; c.textContent = 'No miner has connected yet.'; }
    const plan = p.plan;
    if (plan) {
      set('pool-plan', plan.megawatts + ' MW at ' + plan.efficiency_j_per_th + ' J/TH');
      set('pool-expected-hashrate', fmtRate(plan.expected_hashrate));
      set('pool-measured-hashrate', fmtRate(plan.measured_hashrate));
      set('pool-hashrate-ratio', plan.hashrate_ratio == null ? 'n/a' : (100 * plan.hashrate_ratio).toFixed(1) + ' %');
      set('pool-expected-blocks', plan.expected_blocks_per_day.toPrecision(4));
      set('pool-measured-blocks', String(plan.measured_blocks_last_day));
    } else {
      set('pool-plan', 'no plan configured (-stratumplanmegawatts, -stratumplanefficiency)');
    }
    panel.dataset.loaded = 'true';
  }

  function start() {
    loadPool().catch(e => { set('pool-hashrate', 'unavailable'); console.error(e); });
    setInterval(() => loadPool().catch(() => {}), 15000);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
