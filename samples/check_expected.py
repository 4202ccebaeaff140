#!/usr/bin/env python3
"""Recompute a sample corpus's divergence alerts from its hand labels and diff them with expected-alerts.json.

Usage: python3 samples/check_expected.py [CORPUS_DIR ...]   (default: every folder next to this script with a claims.json)
       add --print to print the recomputed alerts as JSON.

Rules (the brief's domain semantics), per claim with rules N, M, W:
- confirmed at the published time of the article by which N distinct non-state_media sources have acknowledged it;
- per state_media outlet, articles in published order (ties by id):
  denies/deflects open a denial/deflection episode unless one of that kind is open, raised at max(article time,
  confirmation time); an acknowledgement made before confirmation cancels them (they never become alerts);
  omits counts only at or after confirmation and only since the outlet's last acknowledgement; when M of them fall
  within W (newest minus oldest <= W) and no omission episode is open, one is raised at the M-th article's time;
  acknowledges resolves every open episode of the outlet at that article's time.
Exit status 0 when every corpus validates and agrees with its expected-alerts.json, 1 otherwise.
"""
import json
import os
import re
import sys
from datetime import datetime, timedelta

STANCES = {"acknowledges", "denies", "deflects", "discusses", "omits", "unrelated"}
KINDS = {"state_media", "official", "wire", "independent", "analysis"}
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DEFAULT_RULES = {"confirmation_sources": 2, "omission_articles": 3, "omission_window": "14.00:00:00"}


def parse_time(value):
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")


def format_time(value):
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_window(value):
    match = re.fullmatch(r"(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})", value)
    if not match:
        raise ValueError(f"omission_window '{value}' is not d.hh:mm:ss")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def load(folder):
    with open(os.path.join(folder, "sources.json"), encoding="utf-8") as f:
        sources = json.load(f)
    with open(os.path.join(folder, "claims.json"), encoding="utf-8") as f:
        claims = json.load(f)
    articles, labels = [], []
    for name, target in (("articles.jsonl", articles), ("labels.jsonl", labels)):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        target.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise SystemExit(f"{folder}/{name}:{number}: invalid JSON: {e}")
    with open(os.path.join(folder, "expected-alerts.json"), encoding="utf-8") as f:
        expected = json.load(f)
    return sources, claims, articles, labels, expected


def contains_any(text, words):
    lowered = text.lower()
    return [w for w in words if w.lower() in lowered]


def validate(sources, claims, articles, labels):
    errors, warnings = [], []
    source_ids = [s["id"] for s in sources]
    if len(set(source_ids)) != len(source_ids):
        errors.append("duplicate source ids")
    for s in sources:
        if s.get("kind") not in KINDS:
            errors.append(f"source {s.get('id')}: bad kind {s.get('kind')}")
    claim_ids = [c["id"] for c in claims]
    if len(set(claim_ids)) != len(claim_ids):
        errors.append("duplicate claim ids")
    article_ids = [a["id"] for a in articles]
    if len(set(article_ids)) != len(article_ids):
        errors.append("duplicate article ids")
    by_id = {a["id"]: a for a in articles}
    previous = None
    for a in articles:
        for field in ("id", "source_id", "url", "published_at", "title", "body"):
            if not a.get(field):
                errors.append(f"article {a.get('id')}: missing {field}")
        if a.get("source_id") not in source_ids:
            errors.append(f"article {a['id']}: unknown source_id {a.get('source_id')}")
        if not RFC3339_UTC.match(a.get("published_at", "")):
            errors.append(f"article {a['id']}: published_at {a.get('published_at')} is not RFC 3339 UTC with Z")
            continue
        if not re.match(r"^https?://", a.get("url", "")):
            errors.append(f"article {a['id']}: url is not absolute http(s)")
        if previous is not None and a["published_at"] < previous:
            warnings.append(f"article {a['id']}: out of published order in articles.jsonl")
        previous = a["published_at"]

    pairs = {}
    for label in labels:
        key = (label.get("article_id"), label.get("claim_id"))
        if key[0] not in by_id:
            errors.append(f"label for unknown article {key[0]}")
        if key[1] not in claim_ids:
            errors.append(f"label for unknown claim {key[1]}")
        if label.get("stance") not in STANCES:
            errors.append(f"label {key}: bad stance {label.get('stance')}")
        if key in pairs:
            errors.append(f"label {key}: appears twice")
        pairs[key] = label.get("stance")
    for aid in article_ids:
        for cid in claim_ids:
            if (aid, cid) not in pairs:
                errors.append(f"no label for article {aid} and claim {cid}")

    # Cue sanity: a keyword classifier should be able to tell the topic and the claim apart.
    claims_by_id = {c["id"]: c for c in claims}
    for (aid, cid), stance in pairs.items():
        if aid not in by_id or cid not in claims_by_id:
            continue
        text = by_id[aid]["title"] + " " + by_id[aid]["body"]
        claim = claims_by_id[cid]
        claim_hits = contains_any(text, claim.get("keywords", []))
        topic_hits = contains_any(text, claim.get("topic_keywords", []))
        if stance == "omits" and claim_hits:
            warnings.append(f"{aid}: labelled omits but mentions {claim_hits}")
        if stance == "omits" and not topic_hits:
            warnings.append(f"{aid}: labelled omits but names no topic keyword")
        if stance == "unrelated" and (claim_hits or topic_hits):
            warnings.append(f"{aid}: labelled unrelated but mentions {claim_hits + topic_hits}")
        if stance in ("acknowledges", "denies", "deflects") and not claim_hits:
            warnings.append(f"{aid}: labelled {stance} but names no claim keyword")
    return errors, warnings


def compute(sources, claims, articles, labels):
    kind_of = {s["id"]: s["kind"] for s in sources}
    by_id = {a["id"]: a for a in articles}
    alerts, confirmations = [], {}
    for claim in claims:
        rules = {**DEFAULT_RULES, **(claim.get("rules") or {})}
        needed, count, window = rules["confirmation_sources"], rules["omission_articles"], parse_window(rules["omission_window"])
        rows = sorted(
            ((parse_time(by_id[l["article_id"]]["published_at"]), l["article_id"], by_id[l["article_id"]]["source_id"], l["stance"])
             for l in labels if l["claim_id"] == claim["id"]),
            key=lambda r: (r[0], r[1]))

        acknowledged_by, confirmed_at = set(), None
        for time, _, source, stance in rows:
            if stance == "acknowledges" and kind_of[source] != "state_media":
                acknowledged_by.add(source)
                if len(acknowledged_by) >= needed:
                    confirmed_at = time
                    break
        confirmations[claim["id"]] = confirmed_at
        if confirmed_at is None:
            continue

        for outlet in sorted(s for s, k in kind_of.items() if k == "state_media"):
            open_alerts, omissions = {}, []
            for time, _, source, stance in rows:
                if source != outlet:
                    continue
                if stance == "acknowledges":
                    for alert in open_alerts.values():
                        if time >= confirmed_at:
                            alert["resolved_at"] = time
                            alerts.append(alert)
                    open_alerts, omissions = {}, []
                elif stance in ("denies", "deflects"):
                    kind = "denial" if stance == "denies" else "deflection"
                    if kind not in open_alerts:
                        open_alerts[kind] = {"claim_id": claim["id"], "source_id": outlet, "kind": kind,
                                             "raised_at": max(time, confirmed_at), "resolved_at": None}
                elif stance == "omits" and time >= confirmed_at and "omission" not in open_alerts:
                    omissions = [t for t in omissions if time - t <= window] + [time]
                    if len(omissions) >= count:
                        open_alerts["omission"] = {"claim_id": claim["id"], "source_id": outlet, "kind": "omission",
                                                   "raised_at": time, "resolved_at": None}
                        omissions = []
            alerts.extend(open_alerts.values())

    for alert in alerts:
        alert["raised_at"] = format_time(alert["raised_at"])
        alert["resolved_at"] = format_time(alert["resolved_at"])
    return sorted(alerts, key=sort_key), confirmations


def sort_key(alert):
    return (alert["raised_at"], alert["claim_id"], alert["source_id"], alert["kind"])


def check(folder, show):
    sources, claims, articles, labels, expected = load(folder)
    errors, warnings = validate(sources, claims, articles, labels)
    name = os.path.basename(os.path.normpath(folder))
    counts = {}
    for label in labels:
        counts[label["stance"]] = counts.get(label["stance"], 0) + 1
    print(f"== {name}: {len(sources)} sources, {len(claims)} claims, {len(articles)} articles, {len(labels)} labels {counts}")
    for w in warnings:
        print(f"   warning: {w}")
    for e in errors:
        print(f"   ERROR: {e}")
    if errors:
        return False

    actual, confirmations = compute(sources, claims, articles, labels)
    for claim_id, at in confirmations.items():
        print(f"   {claim_id}: confirmed at {format_time(at) or 'never'}")
    print(f"   {'claim':28} {'source':8} {'kind':11} {'raised_at':21} resolved_at")
    for alert in actual:
        print(f"   {alert['claim_id']:28} {alert['source_id']:8} {alert['kind']:11} {alert['raised_at']:21} {alert['resolved_at']}")
    if show:
        print(json.dumps(actual, indent=2))

    wanted = sorted(({k: e.get(k) for k in ("claim_id", "source_id", "kind", "raised_at", "resolved_at")} for e in expected), key=sort_key)
    missing = [e for e in wanted if e not in actual]
    unexpected = [a for a in actual if a not in wanted]
    for e in missing:
        print(f"   MISSING (expected, not recomputed): {e}")
    for a in unexpected:
        print(f"   UNEXPECTED (recomputed, not expected): {a}")
    ok = not missing and not unexpected
    print(f"   {'OK' if ok else 'MISMATCH'}: {len(actual)} recomputed, {len(wanted)} expected")
    return ok


def main(argv):
    show = "--print" in argv
    folders = [a for a in argv if a != "--print"]
    if not folders:
        here = os.path.dirname(os.path.abspath(__file__))
        folders = sorted(os.path.join(here, d) for d in os.listdir(here)
                         if os.path.isfile(os.path.join(here, d, "claims.json")))
    results = [check(folder, show) for folder in folders]
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
