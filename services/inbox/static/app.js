// Harbor agent inbox: plain JS over the JSON API (/api/...), session cookie auth.
// All customer-provided text is written with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { me: null, selected: null, lastId: 0, seen: new Set(), follow: null, agents: [] };
const LIST_REFRESH_MS = 4000;
const LANGUAGES = { en: "English", es: "Spanish", fr: "French", de: "German", pt: "Portuguese", it: "Italian" };
const languageName = (code) => LANGUAGES[code] || code || "English";
const speaks = (code) => Boolean(state.me && (state.me.languages || ["en"]).includes(code || "en"));

// ---- helpers ---------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(method, path, body, signal) {
  const response = await fetch(path, {
    method, signal, credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (response.status === 401 && path !== "/api/login") showLogin();
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "error", error.message || `HTTP ${response.status}`);
  }
  return data;
}

function duration(seconds) {
  const minutes = Math.floor(seconds / 60);
  if (seconds < 60) return `${seconds}s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${String(minutes % 60).padStart(2, "0")} min` : `${Math.floor(hours / 24)} days`;
}

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const label = (text) => String(text || "").replace(/_/g, " ");
const customerOf = (h) => h.customer_name || h.sender_id;

// ---- login -----------------------------------------------------------------

function showLogin() {
  stopFollowing();
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  $("login-email").focus();
}

async function onLogin(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await api("POST", "/api/login", { email: $("login-email").value, password: $("login-password").value });
    $("login-password").value = "";
    await start();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
}

async function start() {
  try {
    state.me = await api("GET", "/api/me");
  } catch (error) {
    return showLogin();
  }
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("me").textContent = `${state.me.name} · ${state.me.role}, ${label(state.me.team)}`;
  $("nav-queues").hidden = state.me.role !== "supervisor";
  renderStatus();
  if (state.me.role === "supervisor") state.agents = (await api("GET", "/api/agents")).agents;
  await refreshList();
}

// ---- conversation list -----------------------------------------------------

async function refreshList() {
  if ($("app-view").hidden) return;
  const params = new URLSearchParams({ status: $("filter-status").value });
  if ($("filter-queue").value) params.set("queue", $("filter-queue").value);
  try {
    const { handoffs } = await api("GET", `/api/handoffs?${params}`);
    renderList(handoffs);
  } catch (error) { /* shown on the next successful refresh */ }
}

// First-response target (services/inbox/routing.py): time left, or missed.
function slaBadge(h) {
  if (h.sla_breached && !h.first_response_at) return el("span", { class: "sla breached", title: "First-response target missed" }, "SLA missed");
  if (h.sla_seconds_left === null || h.sla_seconds_left === undefined) return null;
  return el("span", { class: `sla${h.sla_seconds_left < 120 ? " soon" : ""}`, title: "Time left for a first reply" },
    `reply within ${duration(Math.max(0, h.sla_seconds_left))}`);
}

async function setStatus(status) {
  try {
    const me = await api("POST", "/api/me/status", { status });
    state.me.status = me.status;
  } catch (error) { $("list-error").textContent = error.message; }
  renderStatus();
  refreshList();
}

function renderStatus() {
  const online = state.me && state.me.status === "online";
  $("status-toggle").textContent = online ? "Online" : "Away";
  $("status-toggle").setAttribute("aria-pressed", String(online));
  $("status-toggle").title = online ? "New conversations are assigned to you. Click to go away."
    : "Nothing is assigned to you. Click to go online.";
}

function renderList(handoffs) {
  const list = $("handoff-list");
  list.replaceChildren(...handoffs.map((h) => el("li", {},
    el("button", {
      type: "button", class: "handoff-item", "aria-current": h.id === state.selected ? "true" : null,
      onclick: () => openHandoff(h.id),
    },
      el("span", { class: "item-top" },
        el("span", { class: `badge ${h.priority}` }, h.priority === "high" ? "High" : "Normal"),
        el("span", { class: `lang${speaks(h.language) ? "" : " foreign"}`, title: languageName(h.language) }, (h.language || "en").toUpperCase()),
        el("strong", {}, customerOf(h)),
        el("span", { class: "wait", title: "Customer waiting time" },
          h.status === "waiting" || h.status === "ticket" ? `waiting ${duration(h.waiting_seconds)}` : label(h.status))),
      slaBadge(h),
      el("span", { class: "item-summary" }, h.summary || label(h.reason) || "No summary"),
      el("span", { class: "item-meta" }, `${label(h.queue)} · ${h.input_channel}`,
        h.claimed_by ? ` · ${h.claimed_by.name}` : "")))));
  $("list-empty").hidden = handoffs.length > 0;
}

// ---- one conversation ------------------------------------------------------

async function openHandoff(id) {
  stopFollowing();
  state.selected = id;
  state.lastId = 0;
  state.seen = new Set();
  const detail = await api("GET", `/api/handoffs/${id}`);
  $("conv-empty").hidden = true;
  $("conv").hidden = false;
  $("context").hidden = false;
  $("transcript").replaceChildren();
  $("composer-error").textContent = "";
  $("finish-error").textContent = "";
  state.current = null;
  state.context = detail.context;
  $("unlock-result").textContent = "";
  renderWindow(detail.window);
  renderHeader(detail);
  renderContext(detail);
  appendMessages(detail.messages);
  loadAssist(id);
  await refreshList();
  follow(id);
}

function isMine(h) { return h.claimed_by && state.me && h.claimed_by.id === state.me.id; }
function isOpen(h) { return ["waiting", "assigned", "ticket"].includes(h.status); }

// A ticket: where its answer goes (actions/handoff.py answer_to), and why not live.
function answerTo(h) {
  const a = h.answer_to;
  if (!a) return "";
  const why = a.why === "outside_hours" ? "came in outside hours" : "this chat cannot receive a later reply";
  if (a.via === "channel") return `answer in the chat (${why})`;
  return a.email ? `answer by email to ${a.email} (${why})` : `no email yet: the customer was asked for one (${why})`;
}

function renderHeader(h) {
  state.current = h;
  $("conv-title").textContent = customerOf(h);
  $("conv-meta").textContent = [`${label(h.queue)} team`, `${h.priority} priority`,
    `writes in ${languageName(h.language)}${speaks(h.language) ? "" : " (not one of your languages)"}`, `via ${h.input_channel}`,
    h.sender_id, h.claimed_by ? `held by ${h.claimed_by.name}` : "unclaimed", answerTo(h)].filter(Boolean).join(" · ");
  $("conv-status").textContent = h.resolution ? `closed: ${label(h.resolution)}` : label(h.status);
  $("conv-status").className = `status ${h.status}`;
  $("claim").hidden = !isOpen(h) || isMine(h) || (h.claimed_by && state.me.role !== "supervisor");
  $("claim").textContent = h.claimed_by ? "Take over" : "Claim";
  $("assign-box").hidden = !isOpen(h) || state.me.role !== "supervisor";
  $("assign-agent").replaceChildren(...state.agents.map((a) =>
    el("option", { value: a.email, selected: h.claimed_by && h.claimed_by.id === a.id }, `${a.name} (${label(a.team)})`)));
  const canWork = isOpen(h) && isMine(h);
  for (const node of document.querySelectorAll("#release-form textarea, #release-form button")) node.disabled = !canWork;
  // Same rule as the server: anyone may close an unclaimed one, the holder theirs, supervisors any.
  const canClose = h.status !== "closed" && (!h.claimed_by || isMine(h) || state.me.role === "supervisor");
  for (const node of document.querySelectorAll("#close-form button, #close-form select")) node.disabled = !canClose;
  renderUnlock(h);
  setMode();
}

// Notes are open to every agent; replies only to the one holding the conversation.
function setMode() {
  const h = state.current;
  const note = document.querySelector("input[name=mode]:checked").value === "note";
  const canReply = h && isOpen(h) && isMine(h) && !state.windowBlocked;
  $("composer-send").textContent = note ? "Add note" : "Send reply";
  $("composer").classList.toggle("note-mode", note);
  $("composer-text").disabled = $("composer-send").disabled = !note && !canReply;
  $("composer-text").placeholder = note ? "Only agents see notes."
    : canReply ? "Write to the customer… (Ctrl+Enter sends)"
    : h && isOpen(h) && !isMine(h) ? "Claim this conversation to reply."
    : h && isOpen(h) ? "Replies cannot reach this customer now: add a note, release or close."
    : `This conversation is ${label(h && h.status)}.`;
}

// A notice whenever the window is not simply open; replying is blocked only
// when nothing at all can reach the customer.
function renderWindow(window) {
  const notice = $("window-notice");
  notice.hidden = !(window && window.message);
  notice.textContent = (window && window.message) || "";
  state.windowBlocked = Boolean(window && !window.can_reply);
  notice.classList.toggle("blocking", state.windowBlocked);
  if (state.current) setMode();
}

function appendMessages(messages) {
  const list = $("transcript");
  for (const m of messages) {
    state.lastId = Math.max(state.lastId, m.id);
    if (state.seen.has(m.id)) continue;
    state.seen.add(m.id);
    const who = { customer: "Customer", bot: "Bot", agent: m.author || "Agent", note: `Note · ${m.author || ""}` }[m.direction];
    list.append(el("li", { class: `msg ${m.direction}` },
      el("span", { class: "msg-who" }, who, el("time", { datetime: m.at }, clock(m.at))),
      el("p", { class: "msg-text" }, m.text)));
  }
  list.scrollTop = list.scrollHeight;
}

// Long-poll: the server answers as soon as something new arrives (or after 20 s).
async function follow(id) {
  const controller = new AbortController();
  state.follow = controller;
  while (!controller.signal.aborted && state.selected === id) {
    try {
      const update = await api("GET", `/api/handoffs/${id}/events?after=${state.lastId}&wait=20`, undefined, controller.signal);
      appendMessages(update.messages);
      if (update.messages.some((m) => m.direction === "customer")) loadAssist(id);
      if (update.handoff.status !== state.current.status || (update.handoff.claimed_by || {}).id !== (state.current.claimed_by || {}).id) {
        renderHeader({ ...state.current, ...update.handoff });
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

function stopFollowing() {
  if (state.follow) state.follow.abort();
  state.follow = null;
}

// ---- context panel ---------------------------------------------------------

function section(title, ...content) {
  const body = content.flat().filter((c) => c !== null && c !== undefined && c !== false);
  return body.length ? el("section", { class: "ctx" }, el("h3", {}, title), body) : null;
}

function facts(object, keys) {
  if (!object || typeof object !== "object") return null;
  const rows = (keys || Object.keys(object)).filter((k) => object[k] !== undefined && object[k] !== null && typeof object[k] !== "object");
  return rows.length ? el("dl", { class: "facts" }, rows.flatMap((k) => [el("dt", {}, label(k)), el("dd", {}, String(object[k]))])) : null;
}

function sentimentTrend(values) {
  if (!Array.isArray(values) || !values.length) return null;
  return el("ol", { class: "trend", "aria-label": "Sentiment, oldest first" }, values.map((v) => {
    const score = typeof v === "number" ? v : typeof v === "object" && v ? v.score : null;
    const text = typeof v === "object" && v ? v.label || score : v;
    const mood = score === null || score === undefined ? "neutral" : score < -0.1 ? "negative" : score > 0.1 ? "positive" : "neutral";
    return el("li", { class: `mood ${mood}` }, typeof text === "number" ? text.toFixed(2) : String(text));
  }));
}

function intentList(intents) {
  // The bot sends one entry per customer message: {text, intent, confidence, ...}.
  if (!Array.isArray(intents) || !intents.length) return null;
  return el("ul", { class: "plain" }, intents.map((i) => {
    const name = label(i.intent || i.name || "unknown");
    const pct = Math.round((i.confidence || 0) * 100);
    return el("li", { class: "intent", title: i.text ? `"${i.text}"` : null },
      el("span", {}, name, i.frustrated ? el("span", { class: "flag" }, " frustrated") : null),
      el("meter", { min: 0, max: 100, value: pct, low: 50, optimum: 100, "aria-label": `${name} confidence` }),
      el("span", { class: "pct" }, `${pct}%`));
  }));
}

function entityList(c) {
  const fromTurns = (Array.isArray(c.intents) ? c.intents : []).flatMap((t) => t.entities || []);
  const entities = Array.isArray(c.entities) ? c.entities : fromTurns;
  return entities.length ? el("ul", { class: "plain" }, entities.map((e) => el("li", {}, `${label(e.entity)}: ${e.value}`))) : null;
}

function errorList(errors) {
  if (!Array.isArray(errors) || !errors.length) return null;
  return el("ul", { class: "plain errors" }, errors.map((e) => el("li", {}, typeof e === "string" ? e
    : `${e.system || "backend"}: ${e.error || e.message || e.code || JSON.stringify(e)}`)));
}

const KNOWN = ["customer", "order", "intents", "entities", "slots", "sentiment", "sentiment_trend",
  "actions_tried", "actions", "backend_errors", "errors", "main_request"];

function renderContext(h) {
  const c = h.context || {};
  const order = c.order || null;
  const items = order && Array.isArray(order.items) ? order.items : [];
  const tried = c.actions_tried || c.actions || [];
  const other = Object.fromEntries(Object.entries(c).filter(([k, v]) => !KNOWN.includes(k) && v !== null));
  $("context-body").replaceChildren(...[
    section("Summary", el("p", {}, h.summary || "—"),
      h.reason ? el("p", { class: "muted" }, `Reason: ${label(h.reason)}`) : null,
      c.main_request ? el("p", { class: "muted" }, `Request: ${label(c.main_request)}`) : null),
    section("Customer", facts(c.customer, null) || el("p", { class: "muted" }, "Not verified")),
    section("Order", facts(order, ["id", "status", "total", "placed_at", "delivered_at", "return_window_ends", "carrier", "tracking_number"]),
      items.length ? el("ul", { class: "plain" }, items.map((i) => el("li", {}, `${i.qty || 1} × ${i.name || i.sku}${i.price ? ` · $${i.price}` : ""}${i.final_sale ? " · final sale" : ""}`))) : null),
    section("Intents", intentList(c.intents)),
    section("Sentiment trend", sentimentTrend(c.sentiment_trend || c.sentiment)),
    section("Bot tried", Array.isArray(tried) && tried.length ? el("ol", { class: "plain numbered" }, tried.map((a) => el("li", {}, typeof a === "string" ? label(a) : JSON.stringify(a)))) : null),
    section("Backend errors", errorList(c.backend_errors || c.errors)),
    section("Slots", facts(c.slots, null)),
    section("Entities", entityList(c)),
    section("Other", Object.keys(other).length ? el("pre", {}, JSON.stringify(other, null, 2)) : null),
  ].filter(Boolean));
}

// ---- verification lockout --------------------------------------------------

// The customer and order the package names, read as the server does (services/inbox/unlock.py).
function lockoutSubjects(c) {
  const customer = c.customer || {}, order = c.order || {}, slots = c.slots || {};
  return [customer.id || slots.customer_id || slots.account_candidate || order.customer_id, order.id || slots.order_id].filter(Boolean);
}

// Shown when there is someone to unlock; usable by the holder and supervisors, like the server.
function renderUnlock(h) {
  $("unlock-box").hidden = !isOpen(h) || !lockoutSubjects(state.context || {}).length;
  $("unlock").disabled = !isMine(h) && state.me.role !== "supervisor";
}

async function onUnlock() {
  const result = $("unlock-result");
  result.textContent = "";
  $("unlock").disabled = true;
  try {
    const answer = await api("POST", `/api/handoffs/${state.selected}/unlock-verification`, {});
    result.className = "ok";
    result.textContent = `Unlocked ${answer.unlocked.map((s) => s.replace(":", " ")).join(", ")}: the customer can verify again.`;
    if (answer.message) appendMessages([answer.message]);
  } catch (error) {
    result.className = "error";
    result.textContent = error.message;
  } finally {
    renderUnlock(state.current);
  }
}

// ---- agent assist -----------------------------------------------------------

// Passages for the customer's latest message and a reply built from facts
// (GET /api/handoffs/{id}/assist); "Use suggestion" only fills the reply box.
async function loadAssist(id) {
  try {
    const assist = await api("GET", `/api/handoffs/${id}/assist`);
    if (id !== state.selected) return;
    state.suggestion = assist.suggested_reply;
    $("assist-for").textContent = assist.question ? `For “${assist.question}” · ${languageName(assist.language)}` : languageName(assist.language);
    $("assist-reply").textContent = assist.suggested_reply;
    $("assist-passages").replaceChildren(...assist.passages.map((p) => el("li", { class: p.answers ? "answers" : "" },
      el("span", { class: "passage-id" }, `${p.id} · ${Math.round(p.score * 100)}%`), el("span", {}, p.text))));
    $("assist-box").hidden = false;
  } catch (error) {
    $("assist-box").hidden = true;
  }
}

function useSuggestion() {
  if (!state.suggestion) return;
  $("composer-text").value = state.suggestion;
  $("composer-text").focus();
}

async function claimNext() {
  $("list-error").textContent = "";
  try {
    const row = await api("POST", "/api/handoffs/next", {});
    await openHandoff(row.id);
  } catch (error) {
    $("list-error").textContent = error.message;
  }
}

// ---- actions ---------------------------------------------------------------

async function onSend(event) {
  event.preventDefault();
  const text = $("composer-text").value.trim();
  if (!text || !state.selected) return;
  const note = document.querySelector("input[name=mode]:checked").value === "note";
  $("composer-error").textContent = "";
  $("composer-send").disabled = true;
  try {
    const result = await api("POST", `/api/handoffs/${state.selected}/${note ? "notes" : "messages"}`, { text });
    $("composer-text").value = "";
    if (result.message) appendMessages([result.message]);
    if (result.tracker_synced === false) $("composer-error").textContent = "Sent, but the bot's history could not be updated.";
  } catch (error) {
    $("composer-error").textContent = error.message;
    if (error.code === "window_closed" || error.code === "channel_cannot_push") renderWindow({ can_reply: false, message: error.message });
  } finally {
    setMode();
    $("composer-text").focus();
  }
}

async function act(path, body) {
  $("finish-error").textContent = "";
  try {
    // The last message on screen: anything newer the customer sent is answered by the bot.
    const row = await api("POST", `/api/handoffs/${state.selected}/${path}`, { ...body, seen_message_id: state.lastId });
    renderHeader({ ...state.current, ...row });
    await refreshList();
    return row;
  } catch (error) {
    $("finish-error").textContent = error.message;
    return null;
  }
}

function parseSlots(text) {
  const slots = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf("=");
    if (at < 1) throw new Error(`"${line}" is not name=value`);
    slots[line.slice(0, at).trim()] = line.slice(at + 1).trim();  // agents' slots are all text
  }
  return slots;
}

async function onRelease(event) {
  event.preventDefault();
  let slots;
  try { slots = parseSlots($("release-slots").value); } catch (error) { $("finish-error").textContent = error.message; return; }
  if (await act("release", { slots })) {
    $("release-slots").value = "";
    $("release-box").open = false;
  }
}

async function onClose(event) {
  event.preventDefault();
  await act("close", { resolution: $("close-resolution").value });
}

// ---- supervisor view -------------------------------------------------------

async function showQueues(show) {
  $("inbox-view").hidden = show;
  $("queues-view").hidden = !show;
  $("nav-inbox").setAttribute("aria-pressed", String(!show));
  $("nav-queues").setAttribute("aria-pressed", String(show));
  if (!show) return;
  showAnalytics();
  const view = await api("GET", "/api/queues");
  $("queues-body").replaceChildren(...view.queues.map((q) => el("tr", {},
    el("th", { scope: "row", class: "cap" }, label(q.queue)), el("td", { class: q.waiting.high ? "hot" : "" }, q.waiting.high),
    el("td", {}, q.waiting.normal), el("td", {}, q.assigned), el("td", {}, q.ticket),
    el("td", {}, q.oldest_waiting_seconds ? duration(q.oldest_waiting_seconds) : "—"))));
  $("agents-body").replaceChildren(...view.agents.map((a) => el("tr", {},
    el("th", { scope: "row" }, a.name, el("span", { class: "muted" }, ` ${a.email}`)), el("td", {}, label(a.team)), el("td", {}, a.role),
    el("td", {}, (a.languages || []).map(languageName).join(", ") || "—"),
    el("td", {}, a.holding.length ? el("ul", { class: "plain" }, a.holding.map((h) => el("li", {},
      el("button", { type: "button", class: "link", onclick: () => { showQueues(false); openHandoff(h.id); } },
        `${customerOf(h)}: ${h.summary || label(h.reason)}`)))) : "—"))));
}

// Numbers from services/analytics (GET /api/analytics, supervisors only).
const percent = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
const topItems = (items, key) => items.slice(0, 5).map((i) => `${label(i[key])} ${i.count} (${percent(i.share)})`).join(", ") || "—";

async function showAnalytics() {
  let a;
  try { a = await api("GET", "/api/analytics?days=7"); } catch (error) {
    $("analytics-note").textContent = `Analytics unavailable: ${error.message}`;
    return;
  }
  const h = a.handoffs, c = a.conversations, s = a.sentiment;
  const rows = [
    ["Conversations", c.total, `${a.messages.customer} customer messages`],
    ["Containment", percent(c.containment_rate), `${c.contained} of ${c.total} without a handoff`],
    ["Handoffs", h.conversations_handed_off, `live ${h.live}, ticket ${h.ticket}, failed ${h.failed}`],
    ["By reason", "", topItems(h.by_reason, "reason")],
    ["By queue", "", topItems(h.by_queue, "queue")],
    ["First response (median)", h.first_response && h.first_response.median_seconds !== null ? duration(Math.round(h.first_response.median_seconds)) : "—", `${h.first_response ? h.first_response.count : 0} answered; ${h.sla_breaches ?? 0} first-response targets missed`],
    ["Time to claim (median)", h.median_seconds_to_claim === null ? "—" : duration(Math.round(h.median_seconds_to_claim)), `${h.claimed ?? 0} claimed`],
    ["NLU fallback", percent(a.nlu.fallback_rate), `${a.nlu.fallback} of ${a.messages.customer} messages`],
    ["Sentiment", s.average_compound === null ? "—" : s.average_compound.toFixed(2), `frustrated ${s.frustrated} (${percent(s.frustrated_share)})`],
    ["Flows completed", "", a.flows.map((f) => `${label(f.flow)} ${f.completed}/${f.started}`).join(", ") || "—"],
    ["Backend errors", a.backend_errors.total, Object.entries(a.backend_errors.by_system).map(([k, v]) => `${k} ${v}`).join(", ")],
  ];
  $("analytics-body").replaceChildren(...rows.map(([name, value, detail]) => el("tr", {},
    el("th", { scope: "row" }, name), el("td", {}, value), el("td", {}, detail))));
  const problems = Object.entries(a.sources).filter(([, v]) => v !== "ok").map(([k, v]) => `${k}: ${v}`);
  $("analytics-note").textContent = `${a.window.from} to ${a.window.to} (UTC)` + (problems.length ? `; ${problems.join("; ")}` : "");
}

// ---- wiring ----------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", onLogin);
  $("logout").addEventListener("click", async () => { await api("POST", "/api/logout", {}).catch(() => {}); showLogin(); });
  $("filter-status").addEventListener("change", refreshList);
  $("filter-queue").addEventListener("change", refreshList);
  $("claim").addEventListener("click", () => act("claim", {}));
  $("assign").addEventListener("click", () => act("claim", { agent_email: $("assign-agent").value }));
  $("composer").addEventListener("submit", onSend);
  $("composer-text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) onSend(e); });
  document.querySelectorAll("input[name=mode]").forEach((r) => r.addEventListener("change", setMode));
  $("release-form").addEventListener("submit", onRelease);
  $("close-form").addEventListener("submit", onClose);
  $("unlock").addEventListener("click", onUnlock);
  $("assist-use").addEventListener("click", useSuggestion);
  $("claim-next").addEventListener("click", claimNext);
  $("nav-inbox").addEventListener("click", () => showQueues(false));
  $("nav-queues").addEventListener("click", () => showQueues(true));
  $("status-toggle").addEventListener("click", () => setStatus(state.me.status === "online" ? "away" : "online"));
  setInterval(refreshList, LIST_REFRESH_MS);
  start();
});
