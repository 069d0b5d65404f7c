"""List alerts in Slack: how they look and how they are posted.

bot/lists/alerts.py decides what to say and guarantees each message is posted once; this module only
renders (Block Kit with a text fallback; everything from the list or from people escaped) and
posts. Long lists of names go in the thread: ten in the message, the rest below it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.lists.alerts import AlertNotice
from handlers import review_views as review_messages
from handlers.views import VERDICT_LABELS, context, esc, header, section
from storage.csl import LIST_NAMES

log = logging.getLogger(__name__)
Blocks = list[dict[str, Any]]
Rendered = tuple[str, Blocks, list[str]]  # fallback text, blocks, thread replies (mrkdwn)
IN_MESSAGE = 10
PER_REPLY = 40


def _verdict(verdict: str | None) -> str:
    if not verdict:
        return "not screened"
    return VERDICT_LABELS.get(verdict, ("", verdict))[1].split(" — ")[0]


def _cite(cite: str | None) -> str:
    return f" ({esc(cite)})" if cite else ""


def _user(user: str) -> str:
    return f"<@{user}>" if user.isalnum() else esc(user)


def _replies(lines: list[str], more: int = 0) -> list[str]:
    chunks = ["\n".join(lines[i : i + PER_REPLY]) for i in range(0, len(lines), PER_REPLY)]
    if more:
        chunks.append(f"…and {more:,} more (`canweship status` and the audit log have them all).")
    return chunks


def _record_line(r: dict[str, Any]) -> str:
    sign = {"added": "+ added", "removed": "− removed", "changed": "~ changed"}[r["kind"]]
    where = f"{esc(r['source'])} `{esc(r['list_id'])}`"
    return f"• {sign} *{esc(r['name'])}* — {where}{_cite(r.get('cite'))}"


def render_change(p: dict[str, Any]) -> Rendered:
    title = f"Screening list updated: {p.get('previous_version')} → {p.get('version')}"
    per_source = [
        f"*{esc(LIST_NAMES.get(source, source))}* ({esc(source)}): {c['added']} added, "
        f"{c['removed']} removed, {c['changed']} changed"
        for source, c in p["by_source"].items()
    ]
    lines = [_record_line(r) for r in p["records"]]
    blocks: Blocks = [header(title), section("\n".join(per_source))]
    if lines:
        blocks.append(section("\n".join(lines[:IN_MESSAGE])))
    if len(lines) > IN_MESSAGE or p.get("not_listed"):
        rest = len(lines) - IN_MESSAGE + p.get("not_listed", 0)
        blocks.append(context(f"{rest:,} more in the thread."))
    totals = ", ".join(
        f"{s} +{c['added']}/−{c['removed']}/~{c['changed']}" for s, c in p["by_source"].items()
    )
    return esc(f"{title}: {totals}"), blocks, _replies(lines[IN_MESSAGE:], p.get("not_listed", 0))


def _finding_line(f: dict[str, Any]) -> str:
    a, b = f["after"], f["before"]
    place = f" ({esc(f['country'])})" if f.get("country") else ""
    askers = sorted({x["user"] for x in f.get("askers", []) if x.get("kind") == "slack"})
    asked = f" · asked by {', '.join(_user(u) for u in askers)}" if askers else ""
    return (
        f"• *{esc(f['name'])}*{place}: was *{_verdict(b.get('verdict'))}*, now "
        f"*{_verdict(a['verdict'])}* — {a['change']} {esc(a['list'])} ({esc(a['source'])}) record "
        f"`{esc(a['list_id'])}` “{esc(a['name'])}”, score {a['score']:.0f}{_cite(a.get('cite'))}"
        + asked
    )


def render_rescreen(p: dict[str, Any]) -> Rendered:
    findings = p["findings"]
    n = len(findings) + p.get("not_listed", 0)
    who = f"{n} counterpart{'y' if n == 1 else 'ies'}"
    title = f"Re-screening after list {p.get('version')}: {who} with a new or stronger hit"
    lines = [_finding_line(f) for f in findings]
    blocks: Blocks = [header(title), section("\n".join(lines[:IN_MESSAGE]))]
    if len(lines) > IN_MESSAGE:
        blocks.append(context(f"{len(lines) - IN_MESSAGE:,} more in the thread."))
    blocks.append(context("Screen again before the next shipment to any of them."))
    names = ", ".join(f["name"] for f in findings[:3])
    return esc(f"{title}: {names}"), blocks, _replies(lines[IN_MESSAGE:], p.get("not_listed", 0))


def render_rescreen_dm(p: dict[str, Any]) -> Rendered:
    f, asker = p["finding"], p["asker"]
    a = f["after"]
    when = (asker.get("asked_at") or "")[:10]
    earlier = (
        f"On {when} you asked about *{esc(f['name'])}*"
        + (f" (“{esc(asker['question'])}”)" if asker.get("question") else "")
        + f" and I answered *{_verdict(asker.get('verdict'))}*"
        + f" (list {esc(asker.get('list_version'))})."
    )
    changed = (
        f"The screening list changed ({esc(p.get('version'))}): {a['change']} "
        f"{esc(a['list'])} ({esc(a['source'])}) record `{esc(a['list_id'])}` "
        f"“{esc(a['name'])}” now matches it, score {a['score']:.0f}/100{_cite(a.get('cite'))}."
    )
    now = f"Screening it now gives *{_verdict(a['verdict'])}*."
    details = []
    if a.get("license_requirement"):
        details.append(f"License requirement: {esc(a['license_requirement'])}")
    if a.get("license_policy"):
        details.append(f"Review policy: {esc(a['license_policy'])}")
    blocks: Blocks = [
        header(f"The answer about {f['name']} has changed"),
        section(f"{earlier}\n{changed}\n{now}"),
    ]
    if details:
        blocks.append(context(" · ".join(details)))
    blocks.append(context("Do not rely on the earlier answer; ask again before shipping."))
    text = (
        f"The answer about {f['name']} has changed: was {_verdict(asker.get('verdict'))}, "
        f"now {_verdict(a['verdict'])}"
    )
    return esc(text), blocks, []


def render_incident(kind: str, p: dict[str, Any]) -> Rendered:
    kept = f"The list in use ({esc(p.get('version'))}, {esc(p.get('age'))} old) is kept."
    url = esc(p.get("url") or p.get("sync_url"))
    if kind == "sync_failure":
        title = "List sync is failing"
        body = f"{esc(p.get('detail'))}\n{kept} I'll say once when downloads work again."
    elif kind == "sync_failure_recovered":
        title = "List sync works again"
        body = f"Downloads from {url} succeed again (failing since {esc(p.get('opened_at'))})."
    elif kind == "quarantine":
        title = "Downloaded list quarantined, not applied"
        saved = f"\nSaved for inspection: `{esc(p['saved_as'])}`" if p.get("saved_as") else ""
        body = f"{esc(p.get('detail'))}\n{kept} sha256 `{esc(p.get('sha256'))}`{saved}"
    elif kind == "quarantine_recovered":
        title = "List downloads look right again"
        body = f"A download from {url} passed the checks; the quarantine incident is closed."
    elif kind == "stale":
        title = "The screening list is stale"
        body = (
            f"List {esc(p.get('version'))} is {esc(p.get('age'))} old "
            f"(limit {esc(p.get('limit'))}). "
            "Until it is refreshed, answers that would be *clear* say *unavailable*. "
            "Refresh it: `canweship sync`."
        )
    elif kind == "stale_recovered":
        title = "The screening list is fresh again"
        body = (
            f"List {esc(p.get('version'))} was confirmed {esc(p.get('age'))} ago; "
            "answers are normal again."
        )
    else:
        title, body = f"canweship: {kind}", esc(str(p))
    return (
        esc(f"{title}: {p.get('detail') or p.get('version') or ''}"),
        [header(title), section(body)],
        [],
    )


def _ownership_line(f: dict[str, Any]) -> str:
    a, b = f["after"], f["before"]
    place = f" ({esc(f['country'])})" if f.get("country") else ""
    return (
        f"• *{esc(f['name'])}*{place}: was *{_verdict(b.get('verdict'))}*, now "
        f"*{_verdict(a['verdict'])}* — {esc(a.get('reason') or '')}"
    )


def render_ownership_rescreen(p: dict[str, Any]) -> Rendered:
    """Counterparties whose answer an ownership change made stricter, with the chain."""
    findings = p["findings"]
    n = len(findings) + p.get("not_listed", 0)
    title = (
        f"Ownership changed ({p.get('why')}): {n} counterpart{'y' if n == 1 else 'ies'} affected"
    )
    lines = [_ownership_line(f) for f in findings]
    blocks: Blocks = [header(title[:150]), section("\n".join(lines[:IN_MESSAGE])[:2900])]
    if len(lines) > IN_MESSAGE:
        blocks.append(context(f"{len(lines) - IN_MESSAGE:,} more in the thread."))
    blocks.append(context("Screen again before the next shipment to any of them."))
    names = ", ".join(f["name"] for f in findings[:3])
    return esc(f"{title}: {names}"), blocks, _replies(lines[IN_MESSAGE:], p.get("not_listed", 0))


def render_ownership_rescreen_dm(p: dict[str, Any]) -> Rendered:
    f, asker = p["finding"], p["asker"]
    a = f["after"]
    when = (asker.get("asked_at") or "")[:10]
    body = (
        f"On {when} you asked about *{esc(f['name'])}* and I answered "
        f"*{_verdict(asker.get('verdict'))}*. Its ownership on record changed "
        f"({esc(p.get('why'))}); screening it now gives *{_verdict(a['verdict'])}*.\n"
        f"{esc(a.get('reason') or '')}"
    )
    blocks: Blocks = [
        header(f"The answer about {f['name']} has changed"[:150]),
        section(body[:2900]),
        context("Do not rely on the earlier answer; ask again before shipping."),
    ]
    text = (
        f"The answer about {f['name']} has changed: was {_verdict(asker.get('verdict'))}, "
        f"now {_verdict(a['verdict'])}"
    )
    return esc(text), blocks, []


def render_alert(notice: AlertNotice) -> Rendered:
    if notice.kind in review_messages.KINDS:
        return (*review_messages.render(notice.kind, notice.payload), [])
    if notice.kind == "list_change":
        return render_change(notice.payload)
    if notice.kind == "rescreen":
        return render_rescreen(notice.payload)
    if notice.kind == "rescreen_dm":
        return render_rescreen_dm(notice.payload)
    if notice.kind == "ownership_rescreen":
        return render_ownership_rescreen(notice.payload)
    if notice.kind == "ownership_rescreen_dm":
        return render_ownership_rescreen_dm(notice.payload)
    return render_incident(notice.kind, notice.payload)


class SlackAlertNotifier:
    """Posts list alerts with a Web API client; a user id as target is a DM from the bot."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_alert(self, notice: AlertNotice) -> str:
        text, blocks, replies = render_alert(notice)
        response = self.client.chat_postMessage(
            channel=notice.target,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            # a review case's outcome goes in the asker's thread
            **(
                {"thread_ts": notice.payload["thread_ts"]}
                if notice.payload.get("thread_ts")
                else {}
            ),
        )
        ts, channel = str(response["ts"]), str(response.get("channel") or notice.target)
        for reply in replies:
            try:  # the message is out; a lost thread reply must not post it again
                self.client.chat_postMessage(
                    channel=channel, thread_ts=ts, text=reply, unfurl_links=False
                )
            except SlackApiError as exc:
                log.error("thread reply to %s failed: %s", notice.key, exc.response.get("error"))
        return ts
