// The dashboard: plain DOM, no framework. Everything the API sends may come from outside (issue titles,
// commands a model ran, error text), so it only ever goes into the page as text (textContent), never
// as markup, and only http(s) addresses become links.
const api = "/api/v1";
const $ = (id) => document.getElementById(id);
const runs = new Map();
let selected;
let runStream;
let allStream;

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

const usd = (micros) => `$${(micros / 1_000_000).toFixed(2)}`;
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const stateBadge = (state) => el("span", state, { class: "state", "data-state": state });

function link(href, text) {
  const url = safeUrl(href);
  if (!url) return el("span", text);
  const a = el("a", text, { href: url, rel: "noopener noreferrer", target: "_blank" });
  return a;
}

function safeUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

async function get(path) {
  const response = await fetch(`${api}${path}`, { credentials: "same-origin" });
  if (response.status === 401) throw Object.assign(new Error("not logged in"), { status: 401 });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function renderRuns() {
  const body = $("runs").tBodies[0];
  const rows = [...runs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  body.replaceChildren(
    ...rows.map((run) => {
      const tr = el("tr", undefined, { "data-run": run.id });
      if (run.id === selected) tr.classList.add("selected");
      const target = run.target ? `${run.target.kind === "issue" ? "#" : "PR #"}${run.target.number}` : "";
      tr.append(
        el("td", run.id.slice(0, 8), { title: run.id }),
        el("td", run.repository ?? ""),
        el("td", target),
        el("td", run.workflow),
      );
      const state = el("td");
      state.append(stateBadge(run.state));
      tr.append(state, el("td", usd(run.costUsdMicros), { class: "num" }), el("td", when(run.createdAt)));
      tr.addEventListener("click", () => openRun(run.id));
      return tr;
    }),
  );
}

function renderRun(view) {
  $("run").hidden = false;
  $("run-id").textContent = view.run.id;
  $("run-state").replaceChildren(stateBadge(view.run.state));
  $("run-state").dataset.state = view.run.state;
  const links = $("run-links");
  links.replaceChildren();
  if (view.links.issue) links.append("Issue: ", link(view.links.issue, view.links.issue), " ");
  if (view.links.pullRequest)
    links.append("Pull request: ", link(view.links.pullRequest, view.links.pullRequest));
  links.append(` · cost ${usd(view.run.costUsdMicros)}`);
  $("run-error").textContent = view.run.error ?? "";
  $("steps").tBodies[0].replaceChildren(
    ...view.steps.map((step) => {
      const tr = el("tr", undefined, { "data-step": step.name });
      const state = el("td");
      state.append(stateBadge(step.state));
      tr.append(
        el("td", step.phase === "rollback" ? `${step.name} (rollback)` : step.name),
        el("td", step.kind),
        state,
        el("td", step.attempt, { class: "num" }),
        el("td", usd(step.costUsdMicros), { class: "num" }),
        el("td", step.error ?? "", { class: "error" }),
      );
      return tr;
    }),
  );
  $("agents").replaceChildren(
    ...(view.agents.length === 0 ? [el("p", "No agent step has worked yet.")] : []),
    ...view.agents.flatMap((agent) => {
      const cost = agent.costUsd === null ? "" : ` · $${agent.costUsd.toFixed(2)}`;
      const head = el("p", `${agent.step}: ${agent.turns} turns${cost}`);
      const list = el("ul", undefined, { class: "commands" });
      for (const c of agent.commands) {
        const outcome = c.timedOut ? "timed out" : c.exitCode === null ? "killed" : `exit ${c.exitCode}`;
        const item = el("li");
        item.append(el("span", c.command, { class: "command" }), ` → ${outcome}`);
        list.append(item);
      }
      const changed = agent.filesChanged.length ? [el("p", `Changed: ${agent.filesChanged.join(", ")}`)] : [];
      return [head, list, ...changed];
    }),
  );
}

function openRun(id) {
  selected = id;
  renderRuns();
  runStream?.close();
  runStream = new EventSource(`${api}/runs/${encodeURIComponent(id)}/events`);
  runStream.addEventListener("run", (event) => {
    const view = JSON.parse(event.data);
    runs.set(view.run.id, view.run);
    renderRuns();
    renderRun(view);
  });
}

function watchRuns() {
  allStream?.close();
  allStream = new EventSource(`${api}/events`);
  allStream.addEventListener("open", () => setLive(true));
  allStream.addEventListener("error", () => setLive(false));
  allStream.addEventListener("runs", (event) => {
    runs.clear();
    for (const run of JSON.parse(event.data).runs) runs.set(run.id, run);
    renderRuns();
  });
  allStream.addEventListener("run", (event) => {
    const run = JSON.parse(event.data);
    runs.set(run.id, run);
    renderRuns();
    if (run.id === selected) $("run-state").replaceChildren(stateBadge(run.state));
  });
}

function setLive(on) {
  $("live").dataset.state = on ? "on" : "off";
  $("live").textContent = on ? "live" : "offline";
}

async function loadBudgets() {
  const budgets = await get("/budgets");
  $("month").textContent = budgets.month;
  $("budgets").tBodies[0].replaceChildren(
    ...budgets.repositories.map((r) => {
      const tr = el("tr");
      const used = r.capUsd > 0 ? Math.min(100, (r.spentUsd / r.capUsd) * 100) : 0;
      const meter = el("div", undefined, { class: "meter", title: `${used.toFixed(0)} %` });
      const fill = el("div");
      fill.style.width = `${used}%`;
      meter.append(fill);
      const cell = el("td");
      cell.append(meter);
      tr.append(
        el("td", r.repository),
        el("td", `$${r.spentUsd.toFixed(2)}`, { class: "num" }),
        el("td", `$${r.reservedUsd.toFixed(2)}`, { class: "num" }),
        el("td", `$${r.capUsd.toFixed(2)}`, { class: "num" }),
        cell,
      );
      return tr;
    }),
  );
  $("chart").replaceChildren(dailyChart(budgets.daily));
}

/** A bar per UTC day over the last 30 days, all repositories summed, as inline SVG. */
function dailyChart(daily) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const width = 600;
  const height = 180;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  const byDay = new Map();
  for (const d of daily) byDay.set(d.date, (byDay.get(d.date) ?? 0) + d.costUsd);
  const days = [];
  const today = new Date();
  for (let i = 29; i >= 0; i--) {
    const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    days.push(day.toISOString().slice(0, 10));
  }
  const max = Math.max(0.01, ...days.map((d) => byDay.get(d) ?? 0));
  const barWidth = (width - 40) / days.length;
  const title = document.createElementNS(ns, "title");
  title.textContent = `Daily model cost; highest $${max.toFixed(2)}`;
  svg.append(title);
  days.forEach((day, i) => {
    const cost = byDay.get(day) ?? 0;
    const h = (cost / max) * (height - 30);
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("class", "bar");
    rect.setAttribute("x", String(40 + i * barWidth + 1));
    rect.setAttribute("y", String(height - 20 - h));
    rect.setAttribute("width", String(Math.max(1, barWidth - 2)));
    rect.setAttribute("height", String(h));
    const tip = document.createElementNS(ns, "title");
    tip.textContent = `${day}: $${cost.toFixed(2)}`;
    rect.append(tip);
    svg.append(rect);
    if (i % 7 === 1) {
      const label = document.createElementNS(ns, "text");
      label.setAttribute("class", "axis");
      label.setAttribute("x", String(40 + i * barWidth));
      label.setAttribute("y", String(height - 5));
      label.textContent = day.slice(5);
      svg.append(label);
    }
  });
  const top = document.createElementNS(ns, "text");
  top.setAttribute("class", "axis");
  top.setAttribute("x", "0");
  top.setAttribute("y", "12");
  top.textContent = `$${max.toFixed(2)}`;
  svg.append(top);
  return svg;
}

async function start() {
  try {
    const list = await get("/runs");
    for (const run of list.runs) runs.set(run.id, run);
  } catch (error) {
    if (error.status === 401) return showLogin();
    throw error;
  }
  $("login").hidden = true;
  $("board").hidden = false;
  $("logout").hidden = false;
  renderRuns();
  watchRuns();
  await loadBudgets();
}

function showLogin() {
  $("board").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("token");
  const response = await fetch(`${api}/session`, {
    method: "POST",
    headers: { authorization: `Bearer ${input.value.trim()}` },
    credentials: "same-origin",
  });
  input.value = "";
  if (response.status !== 201) {
    $("login-error").textContent =
      (await response.json().catch(() => ({}))).error ?? `HTTP ${response.status}`;
    return;
  }
  $("login-error").textContent = "";
  await start();
});

$("logout").addEventListener("click", async () => {
  allStream?.close();
  runStream?.close();
  await fetch(`${api}/session`, { method: "DELETE", credentials: "same-origin" });
  runs.clear();
  showLogin();
});

start().catch((error) => {
  $("login-error").textContent = error.message;
  showLogin();
});
