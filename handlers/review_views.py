"""How review cases and their outcomes look in Slack (Block Kit, everything escaped).

Rendered for the list-alert outbox (handlers/list_alerts.py), where they are posted once.
"""

from __future__ import annotations

import json
from typing import Any

from handlers.views import VERDICT_LABELS, button, context, esc, header, section
from storage.csl import LIST_NAMES

Blocks = list[dict[str, Any]]
ACTIONS = {
    "case_not_match": ("not-match", "Not this party"),
    "case_match": ("match", "Same party"),
    "case_license_check": ("license-check", "Needs a license check"),
}
KINDS = ("review_case", "case_outcome")


def _verdict(v: str | None) -> str:
    return VERDICT_LABELS.get(v or "", ("", v or "?"))[1].split(" — ")[0]


def user_ref(u: str | None) -> str:
    return f"<@{u}>" if u and u.isalnum() and u[:1] in "UW" else esc(u or "?")


def _asker_line(a: dict[str, Any]) -> str:
    where = ""
    if a.get("permalink"):
        where = f" — <{a['permalink']}|their thread>"
    elif a.get("channel") and a.get("thread_ts"):
        ts = str(a["thread_ts"]).replace(".", "")
        where = f" — <https://slack.com/archives/{a['channel']}/p{ts}|their thread>"
    elif a.get("channel"):
        where = f" in <#{a['channel']}>"
    return f"{user_ref(a.get('user'))}{where}"


def render_case(p: dict[str, Any]) -> tuple[str, Blocks]:
    place = f" ({p['country']})" if p.get("country") else ""
    title = f"Review case {p['case_id']}: {p['party']}{place}"
    if p.get("round", 1) > 1:
        title += " — re-opened"
    blocks: Blocks = [header(title)]
    if p.get("changed"):
        blocks.append(section(f":warning: Re-opened: {esc(p['changed'])}"))
    askers = ", ".join(_asker_line(a) for a in p.get("askers", [])) or "nobody"
    blocks.append(
        section(
            f"*Asked:* “{esc(p.get('question'))}”\n*By:* {askers}\n"
            f"*Answer:* {_verdict(p.get('verdict'))} (list {esc(p.get('version'))})"
        )
    )
    for c in p.get("candidates", []):
        lst = LIST_NAMES.get(c["source"], c["source"])
        evidence = [f"score {c['score']:.0f}/100", f"matched “{esc(c['matched_name'])}”"]
        if c.get("countries"):
            evidence.append("listed in " + ", ".join(c["countries"]))
        if c.get("federal_register_notice"):
            evidence.append(esc(c["federal_register_notice"]))
        blocks.append(
            section(
                f"*{esc(c['name'])}* — {esc(lst)} `{esc(c['record'])}`\n" + " · ".join(evidence)
            )
        )
        value = json.dumps(
            {"case": p["case_id"], "round": p.get("round", 1), "record": c["record"]}
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"case_{p['case_id']}_{c['record']}"[:255],
                "elements": [
                    button(label, action_id, value, style="primary" if i == 0 else None)
                    for i, (action_id, (_, label)) in enumerate(ACTIONS.items())
                ],
            }
        )
    blocks.append(
        context("Reviewers only (admins and `/canweship reviewers`). Each asker is told.")
    )
    return esc(f"{title}: {_verdict(p.get('verdict'))}"), blocks


def render_outcome(p: dict[str, Any]) -> tuple[str, Blocks]:
    lines = [
        f"• {esc(d['name'])} `{esc(d['record'])}`: *{esc(d['decision'])}* by {user_ref(d['by'])} "
        f"on {d['at'][:10]}"
        + (f" until {d['expires']}" if d.get("expires") else "")
        + f" — “{esc(d['reason'])}”"
        for d in p.get("decisions", [])
    ]
    head = (
        f"{user_ref(p['asker'])}, compliance decided" if p.get("asker") else "Decided"
    ) + f" about *{esc(p['party'])}* (case {p['case_id']}):"
    verdict = f"The answer now: *{_verdict(p.get('verdict'))}*."
    reasons = "\n".join(f"– {esc(r)}" for r in p.get("reasons", [])[:4])
    text = f"Case {p['case_id']} decided: {p['party']} is now {_verdict(p.get('verdict'))}"
    return esc(text), [section("\n".join([head, *lines, verdict])), context(reasons or " ")]


def render(kind: str, payload: dict[str, Any]) -> tuple[str, Blocks]:
    return render_case(payload) if kind == "review_case" else render_outcome(payload)
