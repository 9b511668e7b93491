// The live alert page: alerts from /alerts/stream (server-sent events), newest first.
// Plain DOM, no framework, no build step; the cards are drawn by alerts-render.js.
"use strict";

(() => {
  const { el, card, shortId, plural, SEVERITIES, categoryLabel } = AlertCards;
  const MAX_ALERTS = 500;            // oldest cards are dropped past this
  const BACKLOG_GRACE_MS = 1500;     // alerts within this time of connecting are the backlog, not "new"
  const MANUAL_RETRY_MS = 5000;      // when the browser gives up reconnecting by itself

  const state = {
    source: null, generation: 0, lastId: null, openedAt: 0, retryTimer: null,
    backlog: null,       // ?backlog=N in the page's address: fewer alerts on load
    token: null,         // ?token=... (STREAM_WEB_TOKEN): passed on to the stream, which needs it too
    alerts: new Map(),   // alert_id -> { alert, node }
    unseen: 0,
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- list and filters

  function actorQuery() {
    return $("filter-actor").value.trim().toLowerCase();
  }

  function actorMatches(alert, query) {
    if (!query) return true;
    return (alert.actors || []).some((a) =>
      (a.code && a.code.toLowerCase() === query) ||
      (query.length > 2 && a.name && a.name.toLowerCase().includes(query)));
  }

  function applyActorFilter() {
    const query = actorQuery();
    let shown = 0;
    for (const { alert, node } of state.alerts.values()) {
      const visible = actorMatches(alert, query);
      node.hidden = !visible;
      if (visible) shown += 1;
    }
    const total = state.alerts.size;
    $("count").textContent = total === shown ? plural(total, "alert", "alerts") : `${shown} of ${plural(total, "alert", "alerts")}`;
    $("empty").hidden = shown > 0;
    $("empty").textContent = total ? "No alert matches the actor filter." :
      "No alerts yet. New alerts appear here as soon as they are raised.";
  }

  function markSuperseded(alert) {
    const older = alert.supersedes && state.alerts.get(alert.supersedes);
    if (!older || older.node.classList.contains("superseded")) return;
    older.node.classList.add("superseded");
    older.node.querySelector(".meta").append(el("span", { class: "superseded-by" }, "superseded by ",
      el("a", { href: `#alert-${alert.alert_id}` }, el("code", {}, shortId(alert.alert_id)))));
  }

  function announce(alert) {
    const text = `New ${alert.severity} ${categoryLabel(alert.category)} alert: ${alert.summary}`;
    $("announcer").textContent = text;
    if (document.hidden) {
      state.unseen += 1;
      document.title = `(${state.unseen}) Live alerts · stream-monitor`;
    }
  }

  // The categories the worker's rules have (in the page's data-categories), and any an alert
  // brings later: a new rules file adds an option without a page change.
  function knowCategory(category) {
    const select = $("filter-category");
    if (typeof category !== "string" || !/^[a-z][a-z0-9_]{0,39}$/.test(category)) return;
    if ([...select.options].some((o) => o.value === category)) return;
    const options = [...select.options].slice(1).map((o) => o.value).concat(category).sort();
    select.insertBefore(el("option", { value: category }, categoryLabel(category)),
      select.options[1 + options.indexOf(category)] || null);
  }

  function add(alert) {
    if (!alert || typeof alert.alert_id !== "string" || state.alerts.has(alert.alert_id)) return;
    knowCategory(alert.category);
    const node = card(alert);
    const fresh = performance.now() - state.openedAt > BACKLOG_GRACE_MS;
    if (fresh) node.classList.add("fresh");
    $("alerts").prepend(node);
    state.alerts.set(alert.alert_id, { alert, node });
    markSuperseded(alert);
    while (state.alerts.size > MAX_ALERTS) {
      const [oldestId, oldest] = state.alerts.entries().next().value;
      oldest.node.remove();
      state.alerts.delete(oldestId);
    }
    node.hidden = !actorMatches(alert, actorQuery());
    applyActorFilter();
    if (fresh) announce(alert);
  }

  // ---------------------------------------------------------------- connection

  function setConnection(kind, text) {
    const box = $("connection");
    box.dataset.state = kind;
    $("connection-text").textContent = text;
  }

  function streamUrl(resumeId) {
    const params = new URLSearchParams();
    const category = $("filter-category").value;
    const severity = $("filter-severity").value;
    if (category) params.set("category", category);
    if (severity) params.set("min_severity", severity);
    if (state.backlog !== null) params.set("backlog", state.backlog);
    if (state.token !== null) params.set("token", state.token);
    if (resumeId) params.set("last_event_id", resumeId);
    const query = params.toString();
    return "alerts/stream" + (query ? `?${query}` : "");
  }

  function connect(resumeId) {
    clearTimeout(state.retryTimer);
    if (state.source) state.source.close();
    const generation = ++state.generation;
    const source = new EventSource(streamUrl(resumeId));
    state.source = source;
    const current = () => generation === state.generation;
    source.onopen = () => {
      if (!current()) return;
      state.openedAt = performance.now();
      setConnection("live", "Live");
    };
    source.onmessage = (event) => {
      if (!current()) return;
      let alert;
      try {
        alert = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      state.lastId = event.lastEventId || alert.alert_id;
      add(alert);
    };
    source.onerror = () => {
      if (!current()) return;
      if (source.readyState === EventSource.CONNECTING) {
        setConnection("reconnecting", "Reconnecting…");
        return;
      }
      // The browser gave up (e.g. the worker answered an error): retry from the last alert seen.
      setConnection("reconnecting", `Disconnected, retrying in ${MANUAL_RETRY_MS / 1000} s…`);
      source.close();
      state.retryTimer = setTimeout(() => connect(state.lastId), MANUAL_RETRY_MS);
    };
  }

  function restart() {
    // Category and severity are filtered by the server: start over with the latest matching alerts.
    for (const { node } of state.alerts.values()) node.remove();
    state.alerts.clear();
    state.lastId = null;
    applyActorFilter();
    setConnection("connecting", "Connecting…");
    connect(null);
  }

  function syncUrl() {
    const params = new URLSearchParams();
    if (state.token !== null) params.set("token", state.token);
    if (state.backlog !== null) params.set("backlog", state.backlog);
    for (const [name, id] of [["category", "filter-category"], ["min_severity", "filter-severity"], ["actor", "filter-actor"]]) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    const query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? `?${query}` : ""));
  }

  function readUrl() {
    const params = new URLSearchParams(location.search);
    const pick = (id, value, allowed) => { if (value && allowed.includes(value)) $(id).value = value; };
    ($("filter-category").dataset.categories || "").split(",").forEach(knowCategory);
    knowCategory(params.get("category"));
    pick("filter-category", params.get("category"), [...$("filter-category").options].map((o) => o.value));
    pick("filter-severity", params.get("min_severity"), SEVERITIES);
    $("filter-actor").value = params.get("actor") || "";
    const backlog = params.get("backlog");
    if (backlog && /^\d+$/.test(backlog)) state.backlog = backlog;
    state.token = params.get("token");
  }

  function start() {
    readUrl();
    $("filters").addEventListener("submit", (event) => event.preventDefault());
    $("filter-category").addEventListener("change", () => { syncUrl(); restart(); });
    $("filter-severity").addEventListener("change", () => { syncUrl(); restart(); });
    $("filter-actor").addEventListener("input", () => { syncUrl(); applyActorFilter(); });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        state.unseen = 0;
        document.title = "Live alerts · stream-monitor";
      }
    });
    applyActorFilter();
    connect(null);
  }

  start();
})();
