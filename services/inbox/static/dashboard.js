// Supervisors' dashboard: trends over days from GET /api/analytics (per_day),
// drawn with Chart.js (vendored, pinned: static/vendor/chart.js-4.4.7).
// Uses app.js's $, api, state.
"use strict";

const charts = {};
const COLORS = ["#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#57606a", "#0550ae"];

function showDashboard(show) {
  $("dashboard-view").hidden = !show;
  $("nav-dashboard").setAttribute("aria-pressed", String(show));
  if (!show) return;
  for (const view of ["inbox-view", "queues-view", "approvals-view", "review-view"]) $(view).hidden = true;
  for (const tab of ["nav-inbox", "nav-queues", "nav-approvals", "nav-review"]) $(tab).setAttribute("aria-pressed", "false");
  drawDashboard();
}

function draw(id, type, labels, datasets, options = {}) {
  if (charts[id]) charts[id].destroy();
  const empty = datasets.every((d) => d.data.every((v) => v === null || v === undefined));
  const canvas = $(id);
  canvas.parentElement.classList.toggle("no-data", empty);
  charts[id] = new Chart(canvas, {
    type, data: { labels, datasets },
    options: { responsive: true, maintainAspectRatio: false, animation: false, spanGaps: true,
               plugins: { legend: { display: datasets.length > 1 } }, ...options },
  });
}

const line = (label, data, i = 0) => ({ label, data, borderColor: COLORS[i], backgroundColor: COLORS[i], tension: 0.2 });
const bars = (label, data, i = 0) => ({ label, data, backgroundColor: COLORS[i % COLORS.length] });
const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);
const percentAxis = { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } } };

async function drawDashboard() {
  let report;
  try {
    report = await api("GET", `/api/analytics?days=${$("dashboard-days").value}`);
  } catch (error) {
    $("dashboard-note").textContent = `Analytics unavailable: ${error.message}`;
    return;
  }
  const days = report.per_day;
  const labels = days.map((d) => d.date.slice(5));
  draw("chart-containment", "line", labels, [line("containment %", days.map((d) => pct(d.containment)))], percentAxis);
  const reasons = [...new Set(days.flatMap((d) => Object.keys(d.handoffs_by_reason || {})))];
  draw("chart-handoffs", "bar", labels, reasons.length
    ? reasons.map((r, i) => bars(r.replace(/_/g, " ").slice(0, 40), days.map((d) => (d.handoffs_by_reason || {})[r] || 0), i))
    : [bars("handoffs", days.map((d) => d.handoffs ?? null))],
    { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });
  draw("chart-csat", "line", labels, [line("bot", days.map((d) => d.csat_bot_average ?? null), 0),
    line("people", days.map((d) => d.csat_human_average ?? null), 2)], { scales: { y: { min: 1, max: 5 } } });
  draw("chart-fallback", "line", labels, [line("fallback %", days.map((d) => pct(d.fallback_rate)), 1)], percentAxis);
  draw("chart-first-response", "bar", labels, [bars("minutes", days.map((d) =>
    d.first_response_median_seconds === null || d.first_response_median_seconds === undefined
      ? null : Math.round(d.first_response_median_seconds / 6) / 10), 3)], { scales: { y: { beginAtZero: true } } });
  draw("chart-sla", "bar", labels, [bars("missed", days.map((d) => d.sla_breaches ?? null), 1)], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
  draw("chart-gaps", "bar", labels, [bars("unanswered", days.map((d) => d.knowledge_gaps ?? null), 4)], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
  const problems = Object.entries(report.sources).filter(([, v]) => v !== "ok").map(([k, v]) => `${k}: ${v}`);
  $("dashboard-note").textContent = `${report.window.from} to ${report.window.to} (UTC). ` +
    `CSAT bot ${report.csat.bot.average ?? "—"} (${report.csat.bot.count}), people ${report.csat.human.average ?? "—"} (${report.csat.human.count})` +
    (problems.length ? `; ${problems.join("; ")}` : "");
}

document.addEventListener("DOMContentLoaded", () => {
  $("nav-dashboard").addEventListener("click", () => showDashboard(true));
  for (const other of ["nav-inbox", "nav-queues", "nav-approvals", "nav-review"]) $(other).addEventListener("click", () => showDashboard(false));
  $("dashboard-days").addEventListener("change", drawDashboard);
  const reveal = setInterval(() => {
    if (!state.me) return;
    $("nav-dashboard").hidden = state.me.role !== "supervisor";
    clearInterval(reveal);
  }, 200);
});
