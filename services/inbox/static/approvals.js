// Approvals view (services/inbox/routes/approvals.py): pending high-risk actions
// with their facts; approve or deny with a note. Uses app.js's $, el, api, state.
"use strict";

const APPROVALS_REFRESH_MS = 5000;

function showApprovals(show) {
  $("approvals-view").hidden = !show;
  $("nav-approvals").setAttribute("aria-pressed", String(show));
  if (!show) return;
  $("inbox-view").hidden = true;
  $("queues-view").hidden = true;
  $("dashboard-view").hidden = true;
  $("review-view").hidden = true;
  $("nav-review").setAttribute("aria-pressed", "false");
  $("nav-dashboard").setAttribute("aria-pressed", "false");
  $("nav-inbox").setAttribute("aria-pressed", "false");
  $("nav-queues").setAttribute("aria-pressed", "false");
  refreshApprovals();
}

const mayApprove = () => Boolean(state.me && state.me.may_approve);

function approvalCard(a) {
  const f = a.facts || {};
  const customer = f.customer || {};
  const note = el("textarea", { rows: 2, placeholder: "Note (required to deny: the customer reads it)", "aria-label": "Note" });
  const error = el("p", { class: "error", role: "alert" });
  const decide = async (decision, button) => {
    button.disabled = true;
    error.textContent = "";
    try {
      await api("POST", `/api/approvals/${a.id}/${decision}`, { note: note.value });
      await refreshApprovals();
    } catch (e) {
      error.textContent = e.message;
      button.disabled = false;
    }
  };
  const approve = el("button", { type: "button", class: "primary" }, "Approve");
  const deny = el("button", { type: "button" }, "Deny");
  approve.addEventListener("click", () => decide("approve", approve));
  deny.addEventListener("click", () => decide("deny", deny));
  return el("li", { class: "approval", "data-approval": a.id },
    el("h3", {}, `Refund of $${f.amount || "?"} for order ${f.order_id || "?"}`),
    el("dl", { class: "facts" },
      el("dt", {}, "Customer"), el("dd", {}, [customer.name, customer.email].filter(Boolean).join(" · ") || a.sender_id),
      el("dt", {}, "Reason"), el("dd", {}, label(f.reason) || "—"),
      el("dt", {}, "Refund"), el("dd", {}, `${a.subject_id}${f.refund_method ? ` to ${label(f.refund_method)}` : ""}${f.rma ? ` (return ${f.rma})` : ""}`),
      el("dt", {}, "Channel"), el("dd", {}, `${a.input_channel}, ${languageName(a.language)}`),
      el("dt", {}, "Bot's summary"), el("dd", {}, f.context_summary || "—")),
    a.handoff_id ? el("button", { type: "button", class: "link", onclick: () => { showApprovals(false); showQueues(false); openHandoff(a.handoff_id); } }, "Open the conversation") : null,
    note, el("div", { class: "actions" }, approve, deny), error);
}

async function refreshApprovals() {
  if (!mayApprove() || $("app-view").hidden) return;
  let body;
  try {
    body = await api("GET", "/api/approvals?status=pending");
  } catch (e) {
    $("approvals-error").textContent = e.message;
    return;
  }
  $("approvals-error").textContent = "";
  $("approvals-count").textContent = body.approvals.length ? `(${body.approvals.length})` : "";
  if ($("approvals-view").hidden) return;
  $("approvals-list").replaceChildren(...body.approvals.map(approvalCard));
  $("approvals-empty").hidden = body.approvals.length > 0;
}

document.addEventListener("DOMContentLoaded", () => {
  $("nav-approvals").addEventListener("click", () => showApprovals(true));
  for (const other of ["nav-inbox", "nav-queues", "nav-dashboard", "nav-review"]) $(other).addEventListener("click", () => showApprovals(false));
  // app.js loads who is logged in; show the tab to approvers once it has
  const reveal = setInterval(() => {
    if (!state.me) return;
    $("nav-approvals").hidden = !mayApprove();
    refreshApprovals();
    clearInterval(reveal);
  }, 200);
  setInterval(refreshApprovals, APPROVALS_REFRESH_MS);
});
