// Review view (services/inbox/routes/review.py): customer messages the NLU fell
// back on or was unsure about; an agent picks the intent they meant, or out of
// scope. Uses app.js's $, el, api, state, label.
"use strict";

const VIEWS = ["inbox-view", "queues-view", "approvals-view", "dashboard-view"];
const TABS = ["nav-inbox", "nav-queues", "nav-approvals", "nav-dashboard"];
let reviewIntents = null;

function showReview(show) {
  $("review-view").hidden = !show;
  $("nav-review").setAttribute("aria-pressed", String(show));
  if (!show) return;
  for (const view of VIEWS) $(view).hidden = true;
  for (const tab of TABS) $(tab).setAttribute("aria-pressed", "false");
  refreshReview();
}

function reviewRow(m) {
  const select = el("select", { "aria-label": `Intent for: ${m.text}` },
    el("option", { value: "" }, "choose…"),
    reviewIntents.intents.map((i) => el("option", { value: i, selected: m.label && m.label.intent === i }, label(i))));
  const status = el("span", { class: "muted", role: "status" }, m.label ? `labelled ${label(m.label.intent)} by ${m.label.by}` : "");
  const send = async (body) => {
    try {
      const done = await api("POST", `/api/review/messages/${m.id}/label`, body);
      status.textContent = `labelled ${label(done.intent)}`;
    } catch (e) { status.textContent = e.message; }
  };
  return el("tr", { "data-message": m.id },
    el("td", {}, m.text),
    el("td", {}, m.guess.map((g) => `${label(g.intent)} ${Math.round(g.confidence * 100)}%`).join(", ") || "—"),
    el("td", {}, select,
      el("button", { type: "button", onclick: () => select.value && send({ intent: select.value }) }, "Label"),
      el("button", { type: "button", class: "ghost", onclick: () => send({ out_of_scope: true }) }, "Out of scope"),
      status));
}

async function refreshReview() {
  try {
    reviewIntents = reviewIntents || await api("GET", "/api/review/intents");
    const body = await api("GET", `/api/review/messages?kind=${$("review-kind").value}`);
    $("review-error").textContent = "";
    $("review-body").replaceChildren(...body.messages.map(reviewRow));
    $("review-empty").hidden = body.messages.length > 0;
  } catch (e) {
    $("review-error").textContent = e.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("nav-review").addEventListener("click", () => showReview(true));
  for (const other of TABS) $(other).addEventListener("click", () => showReview(false));
  $("review-kind").addEventListener("change", refreshReview);
  const reveal = setInterval(() => {
    if (!state.me) return;
    $("nav-review").hidden = false;
    clearInterval(reveal);
  }, 200);
});
