/**
 * The emulator's UI, `GET /_emulator/ui`: one page with no build step, reading and writing only
 * through the same-origin `/_emulator` routes (JSON). Accounts with their current TOTP code, an
 * account's agent tree, assets, e-mail accounts and credentials, the SMS outbox, the clock (its
 * offset from real time, with a way back to it), reset and legacy users. Off with
 * `devRoutes: false`, like every `/_emulator` route.
 *
 * @module
 */

/** The page. */
export const EMULATOR_UI = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CirtusAI emulator</title>
<style>
  :root { color-scheme: light dark; --line: #8884; --accent: #2563eb; font: 14px/1.45 system-ui, sans-serif; }
  body { margin: 0; padding: 1.5rem 2rem; max-width: 1200px; }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; } h2 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
  header { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { font-weight: 600; font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; opacity: .75; }
  tr.pick { cursor: pointer; } tr.pick:hover, tr.chosen { background: #2563eb18; }
  .code { font: 600 1.15rem ui-monospace, monospace; letter-spacing: .12em; }
  .muted { opacity: .65; } .tag { font-size: .75rem; padding: .05rem .4rem; border: 1px solid var(--line); border-radius: 1rem; }
  .tree ul { list-style: none; padding-left: 1.2rem; margin: .2rem 0; border-left: 1px dashed var(--line); }
  .tree > ul { border: 0; padding-left: 0; } code { font: .85rem ui-monospace, monospace; word-break: break-all; }
  button { font: inherit; padding: .3rem .8rem; border-radius: .4rem; border: 1px solid var(--line); background: none; cursor: pointer; }
  button.danger { color: #dc2626; border-color: #dc262680; } input { font: inherit; padding: .25rem .4rem; border-radius: .3rem; border: 1px solid var(--line); }
  section.card { border: 1px solid var(--line); border-radius: .6rem; padding: .6rem 1rem 1rem; margin-top: 1rem; }
  .offset { font-weight: 600; } .ahead .offset { color: #b45309; }
  #drift { margin: .8rem 0 0; padding: .5rem .8rem; border-radius: .5rem; border: 1px solid #d9770680; background: #f59e0b1a; }
  .wide { overflow-x: auto; } #seconds { width: 5.5rem; } #drift code { word-break: normal; white-space: nowrap; }
  @media (max-width: 600px) {
    body { padding: 1rem; } header { gap: .6rem 1rem; } h1 { width: 100%; margin: 0; }
    th, td { padding: .3rem .35rem; } .code { font-size: 1rem; letter-spacing: .06em; }
    .narrow-hide { display: none; }
  }
</style>
<header>
  <h1>CirtusAI emulator</h1>
  <span id="clockbox">Clock: <strong id="clock">…</strong> <span class="offset" id="offset"></span></span>
  <form id="advance"><input id="seconds" type="number" min="0" value="60" size="5" aria-label="seconds"> s <button>Advance</button></form>
  <button id="realtime" hidden>Back to real time</button>
  <button id="reset" class="danger">Reset…</button>
</header>
<p id="drift" role="status" hidden>The emulator's clock is ahead of real time. Authenticator apps follow real time,
  so their codes (and oathtool's, and <code>loginWith2fa({ totpSecret })</code>'s) are refused until you go back to real time;
  the codes shown here follow the emulator's clock.</p>
<h2>Accounts</h2>
<div class="wide"><table id="accounts"><thead><tr><th>Username</th><th class="narrow-hide">E-mail</th><th>2FA</th><th>Current code</th><th class="narrow-hide">Backup codes</th></tr></thead><tbody></tbody></table></div>
<p class="muted" id="empty" hidden>No accounts yet: register one through the API.</p>
<section class="card" id="account" hidden></section>
<h2>SMS outbox</h2>
<table id="sms"><thead><tr><th>To</th><th>Code</th><th>Sent</th><th>Expires</th></tr></thead><tbody></tbody></table>
<h2>Legacy user (no 2FA)</h2>
<form id="legacy">
  <input name="username" placeholder="username" required> <input name="email" type="email" placeholder="e-mail" required>
  <input name="password" type="password" placeholder="password" autocomplete="new-password" required> <button>Create</button> <span id="legacy-result" class="muted"></span>
</form>
<script type="module">
const $ = (s) => document.querySelector(s);
const esc = (v) => String(v ?? "–").replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const api = async (path, init = {}) => {
  const res = await fetch("/_emulator" + path, {
    ...init,
    headers: init.body ? { "content-type": "application/json" } : {},
  });
  const body = await res.json();
  if (!res.ok) throw new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
  return body;
};
let chosen = null;
let offset = 0; // emulator time minus browser time, ms
// When the codes shown change (browser time, ms), from the server's seconds_left: the step
// arithmetic is the server's (Totp.secondsRemaining), not repeated here.
let nextCodeAt = Infinity;
// "1 h 2 min", "45 s": how far ahead of real time the clock is.
function span(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60), s = Math.round(seconds % 60);
  return [d && d + " d", h && h + " h", m && m + " min", (s || seconds < 60) && s + " s"].filter(Boolean).join(" ");
}
async function clock() {
  const { offset_seconds } = await api("/clock");
  const ahead = offset_seconds > 0;
  $("#clockbox").classList.toggle("ahead", ahead);
  $("#offset").textContent = ahead ? "(" + span(offset_seconds) + " ahead of real time)" : "(real time)";
  $("#drift").hidden = !ahead;
  $("#realtime").hidden = !ahead;
}
function tick() {
  const now = new Date(Date.now() + offset);
  $("#clock").textContent = now.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  const left = Math.max(0, Math.ceil((nextCodeAt - Date.now()) / 1000));
  for (const cell of document.querySelectorAll("[data-left]")) cell.textContent = left + " s";
}
async function accounts() {
  const { now, accounts: list } = await api("/accounts");
  offset = now * 1000 - Date.now();
  // seconds_left counts whole seconds from the start of the current one (now's fraction past it).
  // Without codes, looked at again in 30 s all the same (accounts registered meanwhile).
  const left = list.find((a) => a.seconds_left != null)?.seconds_left ?? 30;
  nextCodeAt = Date.now() + (left - (now % 1)) * 1000;
  $("#empty").hidden = list.length > 0;
  $("#accounts tbody").innerHTML = list.map((a) => \`<tr class="pick \${a.id === chosen ? "chosen" : ""}" data-id="\${a.id}">
    <td>\${esc(a.username)} \${a.legacy ? '<span class="tag">legacy</span>' : ""}</td><td class="narrow-hide">\${esc(a.email)}</td>
    <td>\${a.legacy ? "none" : (a.is_2fa_enabled ? "enabled" : "pending") + " · " + esc(a.method)}</td>
    <td>\${a.code ? \`<span class="code" data-code="\${esc(a.username)}">\${a.code}</span> <span class="muted" data-left></span>\` : "–"}</td>
    <td class="narrow-hide">\${a.legacy ? "–" : a.backup_codes_left}</td></tr>\`).join("");
  for (const row of document.querySelectorAll("#accounts tr.pick")) {
    row.onclick = () => { chosen = row.dataset.id; accounts(); account(); };
  }
  tick();
}
function tree(agents, parent) {
  const kids = agents.filter((a) => (a.parent_id ?? null) === parent);
  if (!kids.length) return "";
  return "<ul>" + kids.map((a) => \`<li><strong>\${esc(a.name)}</strong> <code>\${esc(a.did)}</code>
    \${a.permissions && Object.keys(a.permissions).length ? '<span class="muted">permissions ' + esc(JSON.stringify(a.permissions)) + "</span>" : ""}
    \${tree(agents, a.id)}</li>\`).join("") + "</ul>";
}
async function account() {
  if (!chosen) return;
  const d = await api("/accounts/" + chosen);
  const rows = (list, cells) => list.length ? "<table>" + list.map((x) => "<tr>" + cells(x).map((c) => "<td>" + c + "</td>").join("") + "</tr>").join("") + "</table>" : '<p class="muted">none</p>';
  $("#account").hidden = false;
  $("#account").innerHTML = \`<h2>Agents</h2><div class="tree" id="tree">\${tree(d.agents, null) || '<p class="muted">none</p>'}</div>
    <h2>Assets</h2>\${rows(d.assets, (a) => [esc(a.type), esc(a.details.chain ?? ""), "<code>" + esc(a.details.address ?? a.details.email_address) + "</code>"])}
    <h2>E-mail accounts</h2>\${rows(d.email_accounts, (a) => [esc(a.provider), esc(a.email_address), "<code>" + esc(JSON.stringify(a.config)) + "</code>"])}
    <h2>Issued credentials</h2>\${rows(d.credentials, (c) => [esc(c.types.join(", ")), "<code>" + esc(c.subject) + "</code>", esc(c.issued_at)])}\`;
}
async function sms() {
  const { messages } = await api("/sms");
  $("#sms tbody").innerHTML = messages.slice().reverse().map((m) => \`<tr><td>\${esc(m.to)}</td>
    <td class="code">\${esc(m.code)}</td><td>\${new Date(m.sent_at).toISOString().slice(11, 19)}</td>
    <td>\${new Date(m.sent_at + 300000).toISOString().slice(11, 19)}</td></tr>\`).join("") ||
    '<tr><td colspan="4" class="muted">no SMS sent</td></tr>';
}
async function refresh() {
  try { await Promise.all([clock(), accounts(), sms(), account()]); } catch (err) { console.error(err); }
}
$("#advance").onsubmit = async (e) => {
  e.preventDefault();
  await api("/clock/advance", { method: "POST", body: JSON.stringify({ seconds: Number($("#seconds").value) }) });
  await refresh();
};
$("#realtime").onclick = async () => {
  await api("/clock/reset", { method: "POST", body: "{}" });
  await refresh();
};
$("#reset").onclick = async () => {
  if (!confirm("Forget every account, token and code of this emulator?")) return;
  await api("/reset", { method: "POST", body: "{}" });
  chosen = null; $("#account").hidden = true; await refresh();
};
$("#legacy").onsubmit = async (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(e.target));
  try { await api("/legacy-users", { method: "POST", body: JSON.stringify(data) }); $("#legacy-result").textContent = "created"; e.target.reset(); }
  catch (err) { $("#legacy-result").textContent = err.message; }
  await refresh();
};
setInterval(tick, 1000);
setInterval(() => { if (Date.now() >= nextCodeAt) { nextCodeAt = Infinity; accounts().catch((err) => { console.error(err); nextCodeAt = Date.now() + 5000; }); } }, 1000);
setInterval(() => { sms(); }, 3000);
refresh().then(() => { globalThis.__ready = true; });
</script>
`;
