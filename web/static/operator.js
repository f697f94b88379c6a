// Operator view: session sign-in, then policy, proposals, audit log (with verification), ledger entries and
// reconciliation. State-changing requests carry the session's CSRF token.
'use strict';
let csrf = '';
function el(id) { return document.getElementById(id); }
function cell(row, value) { const td = document.createElement('td'); td.textContent = value; row.appendChild(td); }
async function api(path, body) {
  const opts = body === undefined ? {} : {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify(body)};
  const res = await fetch(path, opts);
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

async function showConsole() {
  const d = await api('/api/operator/overview');
  el('login').hidden = true;
  el('console').hidden = false;
  el('policy').textContent = JSON.stringify(d.policy, null, 2);
  const pt = el('proposals').tBodies[0]; pt.replaceChildren();
  for (const p of d.proposals) {
    const r = pt.insertRow(); cell(r, p.id); cell(r, p.state); cell(r, p.purpose); cell(r, (p.total_sat / 1e8).toFixed(8)); cell(r, p.approvals.join(', ')); cell(r, p.blocked_by);
  }
  const at = el('audit').tBodies[0]; at.replaceChildren();
  for (const a of d.audit) { const r = at.insertRow(); cell(r, a.seq); cell(r, new Date(a.time * 1000).toISOString()); cell(r, a.actor); cell(r, a.action); }
  const lt = el('ledger').tBodies[0]; lt.replaceChildren();
  for (const e of d.ledger) { const r = lt.insertRow(); cell(r, e.id); cell(r, e.date); cell(r, e.kind); cell(r, e.amount_btc); cell(r, e.fiat + ' ' + e.currency); cell(r, e.venue); cell(r, e.source); }
  const rl = el('reconciliation'); rl.replaceChildren();
  for (const x of d.reconciliation) { const li = document.createElement('li'); li.textContent = x.kind + ' ' + x.txid + ': ' + x.detail; rl.appendChild(li); }
  if (!d.reconciliation.length) { const li = document.createElement('li'); li.textContent = 'Ledger and chain agree.'; rl.appendChild(li); }
  document.body.dataset.loaded = 'true';
}

el('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  el('login-error').textContent = '';
  try {
    const d = await api('/api/login', {password: el('password').value});
    csrf = d.csrf;
    sessionStorage.setItem('csrf', csrf);
    await showConsole();
  } catch (e) { el('login-error').textContent = e.message; }
});
el('logout').addEventListener('click', async () => { await api('/api/logout', {}); sessionStorage.removeItem('csrf'); location.reload(); });
el('verify-audit').addEventListener('click', async () => {
  const v = await api('/api/operator/audit/verify', {});
  el('audit-status').textContent = v.ok ? 'verified: ' + v.entries + ' entries intact' : 'TAMPERED: ' + v.reason;
  el('audit-status').className = v.ok ? 'ok' : 'bad';
});
el('entry-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    const r = await api('/api/operator/ledger/add', {kind: el('entry-kind').value, date: el('entry-date').value, amount_btc: el('entry-btc').value,
      fiat: el('entry-fiat').value, venue: el('entry-venue').value, source: el('entry-source').value, txid: el('entry-txid').value});
    el('entry-result').textContent = 'Recorded entry ' + r.id;
    await showConsole();
  } catch (e) { el('entry-result').textContent = 'Refused: ' + e.message; }
});
csrf = sessionStorage.getItem('csrf') || '';
if (csrf) showConsole().catch(() => { csrf = ''; });
