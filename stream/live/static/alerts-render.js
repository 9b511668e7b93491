// Rendering one alert as a card (plain DOM). Text from an alert only ever reaches the page as
// text nodes (never innerHTML), so nothing in an alert can inject markup. Used by alerts.js.
"use strict";

const AlertCards = (() => {
  const SEVERITIES = ["low", "medium", "high", "critical"];
  // Categories are data (a rules file each): any name reads well, "dual_use" -> "Dual use".
  const categoryLabel = (c) => { const t = String(c).replace(/_/g, " "); return t.charAt(0).toUpperCase() + t.slice(1); };
  const ESCALATION_LABELS = { corroborated: "corroborated", surge: "surge", stance_hardened: "stance hardened" };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const title = (word) => word ? word.charAt(0).toUpperCase() + word.slice(1) : "";
  const shortId = (id) => id.length > 12 ? id.slice(0, 12) + "…" : id;
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  function safeUrl(url) {
    if (!url) return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  // ---------------------------------------------------------------- evidence

  // Evidence offsets count Unicode code points (Python); JavaScript strings count UTF-16
  // units, so the paragraph is split into code points before slicing.
  function validSpans(chars, evidence) {
    const spans = [];
    for (const ev of evidence || []) {
      const { start, end } = ev;
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > chars.length) continue;
      if (typeof ev.text === "string" && chars.slice(start, end).join("") !== ev.text) continue;
      spans.push({ start, end, rules: [ev.rule_id].filter(Boolean) });
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged = [];
    for (const span of spans) {
      const last = merged[merged.length - 1];
      if (last && span.start < last.end) {
        last.end = Math.max(last.end, span.end);
        last.rules.push(...span.rules);
      } else {
        merged.push(span);
      }
    }
    return merged;
  }

  function markFor(text, rules) {
    return el("mark", { title: rules.length ? `Evidence (rule ${[...new Set(rules)].join(", ")})` : "Evidence" }, text);
  }

  function evidenceBlock(alert) {
    const chars = typeof alert.text === "string" ? Array.from(alert.text) : null;
    const spans = chars ? validSpans(chars, alert.evidence) : [];
    if (chars && spans.length) {
      const p = el("p", { class: "paragraph" });
      let at = 0;
      for (const span of spans) {
        if (span.start > at) p.append(chars.slice(at, span.start).join(""));
        p.append(markFor(chars.slice(span.start, span.end).join(""), span.rules));
        at = span.end;
      }
      if (at < chars.length) p.append(chars.slice(at).join(""));
      return p;
    }
    // No paragraph (or spans that do not fit it): the evidence texts themselves.
    const p = el("p", { class: "paragraph evidence-only" }, el("span", { class: "label" }, "Evidence: "));
    (alert.evidence || []).forEach((ev, i) => {
      if (i) p.append(" … ");
      p.append(markFor(ev.text, [ev.rule_id].filter(Boolean)));
    });
    if (chars) p.append(el("span", { class: "fallback-text" }, " ", alert.text));
    return p;
  }

  // ---------------------------------------------------------------- actors

  function actorNode(actor) {
    const name = actor.name || actor.code || "?";
    const code = actor.code && actor.code !== name ? actor.code : null;
    return el("span", { class: "actor" }, name, code ? " " : null, code ? el("abbr", { class: "code", title: name }, code) : null);
  }

  function joinNodes(nodes, sep) {
    const out = [];
    nodes.forEach((node, i) => { if (i) out.push(sep); out.push(node); });
    return out;
  }

  function actorsLine(actors) {
    if (!actors || !actors.length) return null;
    const suppliers = actors.filter((a) => a.role === "supplier");
    const recipients = actors.filter((a) => a.role === "recipient");
    const line = el("p", { class: "actors" }, el("span", { class: "label" }, "Actors "));
    if (suppliers.length && recipients.length) {
      line.append(...joinNodes(suppliers.map(actorNode), " / "),
        " ", el("span", { class: "arrow", role: "img", "aria-label": "supplying" }, "→"), " ",
        ...joinNodes(recipients.map(actorNode), " / "));
      const others = actors.filter((a) => a.role !== "supplier" && a.role !== "recipient");
      if (others.length) line.append(el("span", { class: "others" }, " · also ", ...joinNodes(others.map(actorNode), ", ")));
    } else {
      line.append(...joinNodes(actors.map(actorNode), ", "));
    }
    return line;
  }

  // ---------------------------------------------------------------- one alert

  function timeNode(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return null;
    const text = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    return el("time", { datetime: iso, title: date.toISOString() }, text);
  }

  function articleLink(alert) {
    const source = alert.source || {};
    const href = safeUrl(source.url);
    const label = alert.title || `Article ${alert.article_id}`;
    const outlet = source.name ? el("span", { class: "outlet" }, ` — ${source.name}`) : null;
    if (href) {
      return el("p", { class: "article" },
        el("a", { href, target: "_blank", rel: "noopener noreferrer" }, label), outlet);
    }
    return el("p", { class: "article" }, alert.title ? `${alert.title} ` : null,
      el("span", { class: "article-id" }, alert.title ? "(article " : "article ", el("code", {}, alert.article_id),
        alert.title ? ")" : null), outlet);
  }

  function countsList(alert) {
    const item = (n, one, many) => el("li", {}, el("strong", {}, String(n)), ` ${n === 1 ? one : many}`);
    return el("ul", { class: "counts", "aria-label": "Story size" },
      item(alert.articles ?? 1, "article", "articles"),
      item(alert.sources ?? 1, "source", "sources"),
      item(alert.window_count ?? 1, "mention", "mentions"));
  }

  function escalationNode(alert) {
    if (!alert.supersedes) return null;
    const reason = ESCALATION_LABELS[alert.escalation] || alert.escalation;
    return el("span", { class: "escalates" }, "escalates ",
      el("a", { href: `#alert-${alert.supersedes}`, title: alert.supersedes }, el("code", {}, shortId(alert.supersedes))),
      reason ? ` (${reason})` : null);
  }

  function card(alert) {
    const severity = SEVERITIES.includes(alert.severity) ? alert.severity : "low";
    const headingId = `alert-title-${alert.alert_id}`;
    const node = el("li", {
      class: `alert severity-${severity}`, id: `alert-${alert.alert_id}`,
      "data-alert-id": alert.alert_id, "data-category": alert.category, "data-severity": severity,
    });
    node.append(el("article", { "aria-labelledby": headingId },
      el("div", { class: "meta" },
        el("span", { class: `badge severity severity-${severity}` }, title(severity)),
        el("span", { class: "badge category" }, categoryLabel(alert.category)),
        el("span", { class: "stance", title: "Stance of the text" }, alert.stance),
        escalationNode(alert),
        el("span", { class: "spacer" }),
        timeNode(alert.raised_at)),
      el("h2", { id: headingId, class: "summary" }, alert.summary),
      actorsLine(alert.actors),
      evidenceBlock(alert),
      el("div", { class: "foot" },
        countsList(alert),
        articleLink(alert),
        el("p", { class: "alert-id" }, "id ", el("code", { title: alert.alert_id }, shortId(alert.alert_id))))));
    return node;
  }

  return { el, card, shortId, plural, SEVERITIES, categoryLabel };
})();
