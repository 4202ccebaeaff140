// NarrativeMonitor dashboard: a hash-routed page over the dashboard's JSON API (proto3 JSON of the alert and
// classification protos) and its server-sent event stream. Everything from the services is inserted as text, never HTML.

const CREDENTIAL = "nm.credential";
const CREDENTIAL_KIND = "nm.credentialKind";
const ANALYST = "nm.analyst";
const STANCES = ["acknowledges", "denies", "deflects", "discusses", "omits"];
const SVG_NS = "http://www.w3.org/2000/svg";

// ---------- small helpers ----------

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The last part of a proto enum value name, lower case: ALERT_KIND_DENIAL -> denial. */
function enumName(value, prefix) {
  return typeof value === "string" && value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase() : String(value ?? "").toLowerCase();
}

const kindOf = (alert) => enumName(alert.kind, "ALERT_KIND_");
const stateOf = (alert) => enumName(alert.state, "ALERT_STATE_");
const severityOf = (alert) => enumName(alert.severity, "ALERT_SEVERITY_");
const stanceOf = (value) => enumName(value, "STANCE_");

function formatTime(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 16).replace("T", " ");
}

/** A proto3 JSON Duration ("1209600s") in days or hours. */
function formatDuration(value) {
  const seconds = Number.parseFloat(String(value ?? "").replace(/s$/, ""));
  if (!Number.isFinite(seconds)) return "";
  return seconds % 86400 === 0 ? `${seconds / 86400} days` : `${(seconds / 3600).toFixed(1)} hours`;
}

function safeLink(url, text) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return h("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer" }, text || url);
    }
  } catch { /* not a URL: shown as text */ }
  return document.createTextNode(text || url || "");
}

function notice(message, isError = false) {
  const box = document.getElementById("notice");
  box.textContent = message;
  box.className = isError ? "error" : "";
  box.hidden = !message;
}

function describeError(error) {
  if (error.code === "UNAUTHENTICATED") return "The services need a credential: enter your API key or token above.";
  if (error.code === "PERMISSION_DENIED") return "Your credential does not allow this (" + error.message + ").";
  return `${error.code || "ERROR"}: ${error.message}`;
}

// ---------- API ----------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders() {
  const credential = sessionStorage.getItem(CREDENTIAL);
  if (!credential) return {};
  return sessionStorage.getItem(CREDENTIAL_KIND) === "bearer"
    ? { authorization: "Bearer " + credential.replace(/^Bearer\s+/i, "") }
    : { "x-api-key": credential };
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { accept: "application/json", ...authHeaders() };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch("api/" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, "UNAVAILABLE", "the dashboard cannot be reached (" + error.message + ")");
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!response.ok) {
    throw new ApiError(response.status, data?.code ?? "HTTP_" + response.status, data?.message ?? data?.title ?? text ?? response.statusText);
  }
  return data;
}

/**
 * Reads the server-sent event stream with fetch (EventSource cannot send the credential headers) and reconnects after
 * the last event seen, with backoff. Returns a function that stops it.
 */
function subscribe(query, handlers) {
  const controller = new AbortController();
  let cursor = "";
  let delay = 500;

  async function run() {
    while (!controller.signal.aborted) {
      try {
        const params = new URLSearchParams(query);
        if (cursor) params.set("cursor", cursor);
        const response = await fetch("api/events?" + params, { headers: { accept: "text/event-stream", ...authHeaders() }, signal: controller.signal });
        if (!response.ok) throw new ApiError(response.status, "HTTP_" + response.status, response.statusText);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = parseEvent(block);
            if (!event) continue;
            if (event.type === "ready") { delay = 500; handlers.ready?.(); }
            else if (event.type === "alert") { cursor = event.id || cursor; handlers.alert(JSON.parse(event.data)); }
            else if (event.type === "error") {
              const error = JSON.parse(event.data);
              if (error.code === "INVALID_ARGUMENT" && error.message.startsWith("cursor")) cursor = "";
              throw new ApiError(0, error.code, error.message);
            }
          }
        }
        throw new ApiError(0, "UNAVAILABLE", "the event stream ended");
      } catch (error) {
        if (controller.signal.aborted) return;
        handlers.down?.(error);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 15000);
      }
    }
  }

  run();
  return () => controller.abort();
}

function parseEvent(block) {
  const event = { type: "message", data: "", id: "" };
  let any = false;
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event.type = value;
    else if (field === "data") event.data += (event.data ? "\n" : "") + value;
    else if (field === "id") event.id = value;
    any = true;
  }
  return any ? event : null;
}

// ---------- views ----------

const view = () => document.getElementById("view");
let stopCurrent = () => {};

async function route() {
  stopCurrent();
  stopCurrent = () => {};
  notice("");
  const hash = location.hash.replace(/^#/, "") || "/";
  const parts = hash.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts.length === 0) stopCurrent = await feedView();
    else if (parts[0] === "alerts" && parts[1]) await alertView(parts[1]);
    else if (parts[0] === "claims" && parts[1]) await claimView(parts[1]);
    else if (parts[0] === "claims") await claimsView();
    else view().replaceChildren(h("p", {}, "No such page. ", h("a", { href: "#/" }, "Back to the alerts.")));
  } catch (error) {
    view().replaceChildren(h("h1", {}, "Could not load this page"), h("p", { class: "error-text" }, describeError(error)));
  }
}

function alertRow(alert, isNew) {
  const kind = kindOf(alert);
  const state = stateOf(alert);
  return h("tr", { id: "alert-" + alert.id, "data-alert-id": alert.id, "data-state": state, class: `row-${state}${isNew ? " new" : ""}` },
    h("td", {}, formatTime(alert.raisedAt)),
    h("td", {}, h("span", { class: "badge kind-" + kind }, kind)),
    h("td", {}, severityOf(alert)),
    h("td", {}, alert.sourceId),
    h("td", {}, h("a", { href: "#/claims/" + encodeURIComponent(alert.claimId) }, alert.claimId)),
    h("td", {}, h("span", { class: "badge state-" + state }, state)),
    h("td", {}, alert.acknowledgedBy || ""),
    h("td", {}, h("a", { href: "#/alerts/" + encodeURIComponent(alert.id), class: "open-alert" }, "Open")));
}

function compareAlerts(a, b) {
  const byTime = (b.raisedAt || "").localeCompare(a.raisedAt || "");
  return byTime !== 0 ? byTime : a.id.localeCompare(b.id);
}

async function feedView() {
  const alerts = new Map();
  const fresh = new Set();
  const status = h("span", { id: "live-status", class: "down" }, "connecting");
  const counter = h("span", { id: "event-count", class: "muted" }, "0 live events");
  const stateFilter = h("select", { id: "state-filter", "aria-label": "State" },
    h("option", { value: "" }, "All but withdrawn"),
    ...["open", "acknowledged", "resolved", "withdrawn"].map((state) => h("option", { value: state }, state)));
  const body = h("tbody", { id: "alert-rows" });
  const empty = h("p", { id: "feed-empty", class: "muted" }, "No alerts yet. New alerts appear here as they are raised.");
  const table = h("table", { id: "alert-feed" },
    h("thead", {}, h("tr", {}, ...["Raised (UTC)", "Kind", "Severity", "Outlet", "Claim", "State", "Acknowledged by", ""].map((title) => h("th", {}, title)))),
    body);
  let events = 0;

  function render() {
    const wanted = stateFilter.value;
    const rows = [...alerts.values()]
      .filter((alert) => (wanted ? stateOf(alert) === wanted : stateOf(alert) !== "withdrawn" || fresh.has(alert.id)))
      .sort(compareAlerts)
      .map((alert) => alertRow(alert, fresh.has(alert.id)));
    fresh.clear();
    body.replaceChildren(...rows);
    empty.hidden = rows.length > 0;
  }

  async function load() {
    const state = stateFilter.value;
    const page = await api("alerts?" + new URLSearchParams({ page_size: "200", ...(state ? { state } : {}) }));
    for (const alert of page.alerts) alerts.set(alert.id, alert);
    render();
  }

  stateFilter.addEventListener("change", () => { alerts.clear(); load().catch((error) => notice(describeError(error), true)); });
  view().replaceChildren(
    h("h1", {}, "Alerts"),
    h("div", { class: "toolbar" }, status, counter, h("label", {}, "Show ", stateFilter)),
    table, empty);

  const stop = subscribe({}, {
    // Listed once the subscription is open, so an alert raised while the page loads is in the list or on the stream.
    ready: () => {
      status.textContent = "live";
      status.className = "live";
      load().catch((error) => notice(describeError(error), true));
    },
    alert: (event) => {
      events += 1;
      counter.textContent = `${events} live event${events === 1 ? "" : "s"}`;
      alerts.set(event.alert.id, event.alert);
      fresh.add(event.alert.id);
      render();
    },
    down: (error) => {
      status.textContent = "reconnecting: " + describeError(error);
      status.className = "down";
    },
  });
  return stop;
}

function articleItem(reference) {
  const stance = stanceOf(reference.stance);
  return h("li", { class: "article", "data-article-id": reference.articleId },
    reference.url ? safeLink(reference.url, reference.title || reference.articleId) : h("strong", {}, reference.title || reference.articleId),
    " ", h("span", { class: "muted" }, [reference.sourceId, formatTime(reference.publishedAt), stance === "unspecified" ? "" : stance].filter(Boolean).join(" · ")),
    reference.evidenceSentence ? h("blockquote", { class: "evidence-sentence" }, reference.evidenceSentence) : null);
}

function evidenceSection(alert) {
  const explanation = alert.explanation;
  const evidence = alert.evidence || {};
  const diverging = explanation?.divergingArticles?.length
    ? explanation.divergingArticles.map(articleItem)
    : (evidence.divergingArticleIds || []).map((id, i) => articleItem({ articleId: id, evidenceSentence: evidence.evidenceSentences?.[i] || "" }));
  const confirming = explanation?.confirmingArticles?.length
    ? explanation.confirmingArticles.map(articleItem)
    : (evidence.confirmingArticleIds || []).map((id) => articleItem({ articleId: id }));
  return [
    h("h2", {}, "The outlet's articles"),
    diverging.length ? h("ul", { class: "articles", id: "diverging-articles" }, diverging) : h("p", { class: "muted" }, "None recorded."),
    h("h2", {}, "Confirming articles"),
    confirming.length ? h("ul", { class: "articles", id: "confirming-articles" }, confirming) : h("p", { class: "muted" }, "None recorded."),
  ];
}

function auditSection(alert) {
  const entries = alert.audit || [];
  if (entries.length === 0) {
    return h("p", { id: "audit-empty", class: "muted" }, "No audit trail from the alert service.");
  }
  return h("table", { id: "audit" },
    h("thead", {}, h("tr", {}, h("th", {}, "When (UTC)"), h("th", {}, "What"), h("th", {}, "Who"), h("th", {}, "Note"))),
    h("tbody", {}, entries.map((entry) => h("tr", {},
      h("td", {}, formatTime(entry.at)), h("td", {}, enumName(entry.type, "ALERT_EVENT_TYPE_")), h("td", {}, entry.actor), h("td", {}, entry.note)))));
}

function actionForm({ id, title, textName, textLabel, required, submitLabel, disabled, onSubmit }) {
  const analyst = h("input", { name: "analyst", required: true, maxlength: 200, value: localStorage.getItem(ANALYST) || "" });
  const text = h("textarea", { name: textName, rows: 2, maxlength: 4000, required });
  const button = h("button", { type: "submit", disabled }, submitLabel);
  const form = h("form", { id, class: "action card" },
    h("strong", {}, title), h("span"),
    h("label", {}, "Analyst"), analyst,
    h("label", {}, textLabel), text,
    button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    localStorage.setItem(ANALYST, analyst.value.trim());
    button.disabled = true;
    try {
      await onSubmit(analyst.value.trim(), text.value);
    } catch (error) {
      notice(describeError(error), true);
      button.disabled = false;
    }
  });
  return form;
}

async function alertView(id) {
  const alert = await api("alerts/" + encodeURIComponent(id));
  renderAlert(alert);
}

function renderAlert(alert) {
  const kind = kindOf(alert);
  const state = stateOf(alert);
  const explanation = alert.explanation;
  const facts = [
    ["Outlet", alert.sourceId],
    ["Claim", h("a", { href: "#/claims/" + encodeURIComponent(alert.claimId) }, alert.claimId)],
    ["State", h("span", { id: "alert-state", class: "badge state-" + state }, state)],
    ["Severity", severityOf(alert)],
    ["Raised (UTC)", formatTime(alert.raisedAt)],
    ["Claim confirmed (UTC)", formatTime(alert.evidence?.confirmedAt)],
    alert.resolvedAt ? ["Resolved (UTC)", formatTime(alert.resolvedAt) + (alert.resolvedBy ? " by " + alert.resolvedBy : "")] : null,
    alert.resolutionReason ? ["Resolution", alert.resolutionReason] : null,
    alert.acknowledgedBy ? ["Acknowledged", h("span", { id: "acknowledged-by" }, `${alert.acknowledgedBy} at ${formatTime(alert.acknowledgedAt)}`)] : null,
    alert.acknowledgementNote ? ["Note", alert.acknowledgementNote] : null,
  ].filter(Boolean);

  const acknowledge = actionForm({
    id: "acknowledge-form", title: "Acknowledge", textName: "note", textLabel: "Note", required: false, submitLabel: "Acknowledge",
    disabled: state === "withdrawn",
    onSubmit: async (analyst, note) => {
      const updated = await api(`alerts/${encodeURIComponent(alert.id)}/acknowledge`, { method: "POST", body: { analyst, note } });
      renderAlert(updated);
      notice(`Acknowledged by ${updated.acknowledgedBy}.`);
    },
  });
  const resolve = actionForm({
    id: "resolve-form", title: "Resolve", textName: "reason", textLabel: "Reason", required: true, submitLabel: "Resolve",
    disabled: state === "withdrawn" || state === "resolved",
    onSubmit: async (analyst, reason) => {
      try {
        const updated = await api(`alerts/${encodeURIComponent(alert.id)}/resolve`, { method: "POST", body: { analyst, reason } });
        renderAlert(updated);
        notice(`Resolved by ${updated.resolvedBy || analyst}.`);
      } catch (error) {
        if (error.code === "UNIMPLEMENTED") throw new ApiError(501, "UNIMPLEMENTED", "this alert service cannot resolve alerts by hand yet");
        throw error;
      }
    },
  });

  view().replaceChildren(
    h("p", {}, h("a", { href: "#/" }, "← All alerts")),
    h("h1", { id: "alert-title", "data-alert-id": alert.id }, h("span", { class: "badge kind-" + kind }, kind), ` ${alert.sourceId} on ${alert.claimId}`),
    h("div", { class: "card" },
      explanation?.summary
        ? h("p", { id: "explanation-summary", class: "summary" }, explanation.summary)
        : h("p", { id: "explanation-missing", class: "muted" }, "No explanation from the alert service."),
      explanation?.claimStatement ? h("p", {}, h("strong", {}, "Claim: "), explanation.claimStatement) : null,
      h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]))),
    ...evidenceSection(alert),
    h("h2", {}, "Audit trail"),
    auditSection(alert),
    h("h2", {}, "Actions"),
    h("div", { class: "actions" }, acknowledge, resolve));
}

async function claimsView() {
  const response = await api("claims");
  const claims = response.claims || [];
  view().replaceChildren(
    h("h1", {}, "Claims"),
    claims.length === 0
      ? h("p", { class: "muted" }, "No claims are tracked.")
      : h("table", { id: "claims" },
        h("thead", {}, h("tr", {}, ...["Claim", "Statement", "Topic", "Status"].map((title) => h("th", {}, title)))),
        h("tbody", {}, claims.map((claim) => h("tr", {},
          h("td", {}, h("a", { href: "#/claims/" + encodeURIComponent(claim.id) }, claim.id)),
          h("td", {}, claim.statement), h("td", {}, claim.topic), h("td", {}, enumName(claim.status, "CLAIM_STATUS_")))))));
}

async function claimView(id) {
  const [claim, timeline, alerts] = await Promise.all([
    api("claims/" + encodeURIComponent(id)),
    api(`claims/${encodeURIComponent(id)}/timeline`).catch((error) => ({ error })),
    api("alerts?" + new URLSearchParams({ claim_id: id, page_size: "200" })).catch((error) => ({ error, alerts: [] })),
  ]);
  const rules = claim.rules || {};
  view().replaceChildren(
    h("p", {}, h("a", { href: "#/claims" }, "← All claims")),
    h("h1", { id: "claim-title" }, claim.id),
    h("div", { class: "card" },
      h("p", { class: "summary", id: "claim-statement" }, claim.statement),
      h("dl", { class: "facts" },
        h("dt", {}, "Topic"), h("dd", {}, claim.topic),
        h("dt", {}, "Status"), h("dd", {}, enumName(claim.status, "CLAIM_STATUS_")),
        h("dt", {}, "Rules"), h("dd", {}, `confirmed by ${rules.confirmationSources} sources; omission after ${rules.omissionArticles} articles within ${formatDuration(rules.omissionWindow)}`),
        timeline.confirmedAt ? [h("dt", {}, "Confirmed (UTC)"), h("dd", {}, formatTime(timeline.confirmedAt))] : null)),
    h("h2", {}, "Timeline"),
    timelineSection(timeline),
    h("h2", {}, "Alerts on this claim"),
    alerts.error
      ? h("p", { class: "muted" }, describeError(alerts.error))
      : alerts.alerts.length === 0
        ? h("p", { class: "muted" }, "No alerts.")
        : h("table", {}, h("thead", {}, h("tr", {}, ...["Raised (UTC)", "Kind", "Severity", "Outlet", "Claim", "State", "Acknowledged by", ""].map((title) => h("th", {}, title)))),
          h("tbody", {}, alerts.alerts.sort(compareAlerts).map((alert) => alertRow(alert, false)))));
}

function timelineSection(timeline) {
  if (timeline.error) {
    const reason = timeline.error.code === "UNIMPLEMENTED"
      ? "this alert service does not provide claim timelines yet (UNIMPLEMENTED)."
      : describeError(timeline.error);
    return h("p", { id: "timeline-empty", class: "muted" }, "No timeline data: " + reason);
  }
  const outlets = (timeline.outlets || []).filter((outlet) => (outlet.days || []).length > 0);
  if (outlets.length === 0) {
    return h("p", { id: "timeline-empty", class: "muted" }, "No timeline data: no outlet has published on this claim's topic yet.");
  }
  return h("div", {},
    h("div", { class: "legend" }, STANCES.map((stance) => h("span", { class: stance }, stance))),
    plotTimeline(outlets, timeline.confirmedAt));
}

const DAY = 86400000;
const dayOf = (text) => Date.parse(text.slice(0, 10) + "T00:00:00Z");

/**
 * One lane per outlet (confirming sources above, state outlets below), one column per day; a dot per stance with
 * articles that day, its area growing with the count; a dashed line where the claim became confirmed.
 */
function plotTimeline(outlets, confirmedAt) {
  const days = outlets.flatMap((outlet) => outlet.days.map((day) => dayOf(day.date)));
  const confirmedDay = confirmedAt ? dayOf(new Date(confirmedAt).toISOString()) : null;
  if (confirmedDay !== null) days.push(confirmedDay);
  const first = Math.min(...days);
  const last = Math.max(...days);
  const span = Math.round((last - first) / DAY) + 1;

  const confirming = outlets.filter((outlet) => outlet.sourceKind !== "SOURCE_KIND_STATE_MEDIA");
  const state = outlets.filter((outlet) => outlet.sourceKind === "SOURCE_KIND_STATE_MEDIA");
  const left = 150, right = 20, top = 26, lane = 30, groupGap = 22, axis = 34;
  const width = 960;
  const plotWidth = width - left - right;
  const step = plotWidth / Math.max(span, 1);
  const x = (day) => left + ((day - first) / DAY + 0.5) * step;
  const groups = [["Confirming sources", confirming], ["State outlets", state]].filter(([, list]) => list.length > 0);
  const height = top + groups.reduce((sum, [, list]) => sum + list.length * lane + groupGap, 0) + axis;

  const svg = s("svg", { class: "timeline", id: "timeline", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Stances of each outlet per day" });
  let y = top;
  for (const [label, list] of groups) {
    svg.append(s("text", { x: 6, y: y - 8, class: "group-label" }, label));
    for (const outlet of list) {
      const middle = y + lane / 2;
      svg.append(
        s("line", { x1: left, x2: width - right, y1: middle, y2: middle, class: "axis" }),
        s("text", { x: left - 8, y: middle + 4, "text-anchor": "end" }, outlet.sourceId));
      for (const day of outlet.days) {
        const present = STANCES.filter((stance) => (day[stance] || 0) > 0);
        present.forEach((stance, i) => {
          const count = day[stance];
          const offset = (i - (present.length - 1) / 2) * Math.min(9, step / 2);
          svg.append(s("circle", {
            class: `point stance-${stance}`, cx: (x(dayOf(day.date)) + offset).toFixed(1), cy: middle, r: (2.5 + 2 * Math.sqrt(count)).toFixed(1),
            "data-outlet": outlet.sourceId, "data-date": day.date, "data-stance": stance, "data-count": count,
          }, s("title", {}, `${outlet.sourceId}, ${day.date}: ${count} ${stance}`)));
        });
      }
      y += lane;
    }
    y += groupGap;
  }

  const bottom = y - groupGap + 6;
  svg.append(s("line", { x1: left, x2: width - right, y1: bottom, y2: bottom, class: "axis" }));
  const labelEvery = Math.max(1, Math.ceil(span / 10));
  for (let i = 0; i < span; i += labelEvery) {
    const day = first + i * DAY;
    svg.append(s("text", { x: x(day), y: bottom + 16, "text-anchor": "middle" }, new Date(day).toISOString().slice(5, 10)));
  }
  if (confirmedDay !== null) {
    svg.append(s("g", { class: "confirmed", id: "confirmed-marker", "data-date": new Date(confirmedAt).toISOString().slice(0, 10) },
      s("line", { x1: x(confirmedDay), x2: x(confirmedDay), y1: top - 14, y2: bottom }),
      s("text", { x: x(confirmedDay) + 4, y: top - 14 }, "confirmed " + new Date(confirmedAt).toISOString().slice(0, 10))));
  }
  return svg;
}

// ---------- credentials ----------

function showCredentialState() {
  const kind = sessionStorage.getItem(CREDENTIAL_KIND) === "bearer" ? "token" : "API key";
  document.getElementById("credential-state").textContent = sessionStorage.getItem(CREDENTIAL) ? `${kind} set for this tab` : "no credential";
}

function setUpCredentials() {
  const form = document.getElementById("credentials");
  const input = document.getElementById("credential");
  const kind = document.getElementById("credential-kind");
  kind.value = sessionStorage.getItem(CREDENTIAL_KIND) || "api-key";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) {
      sessionStorage.setItem(CREDENTIAL, input.value.trim());
      sessionStorage.setItem(CREDENTIAL_KIND, kind.value);
    }
    input.value = "";
    showCredentialState();
    route();
  });
  document.getElementById("forget-credential").addEventListener("click", () => {
    sessionStorage.removeItem(CREDENTIAL);
    sessionStorage.removeItem(CREDENTIAL_KIND);
    showCredentialState();
    route();
  });
  showCredentialState();
}

setUpCredentials();
window.addEventListener("hashchange", route);
route();
