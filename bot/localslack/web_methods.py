"""The Slack Web API methods the fake answers (chat, views, conversations, users, auth).

A mixin of `FakeSlackAPI`: each method takes the call's params and returns Slack's JSON answer,
shaped like the real one closely enough that slack_sdk and Bolt accept it. State (known users and
channels, open DMs) lives on the `FakeSlackAPI` instance; the attributes below name what is used.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.localslack import envelopes
from bot.localslack.recording import decode_json_field


class WebAPIMethods:
    """chat.*, views.*, conversations.*, users.info and auth.test, answered as Slack would."""

    team_id: str
    bot_user_id: str
    bot_id: str
    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    _changed: threading.Condition
    _open_dms: set[str]
    _history: dict[str, list[dict[str, Any]]]  # channel -> the bot's messages posted there

    def _dm_for(self, users: str) -> str:
        ids = sorted(u.strip() for u in users.split(",") if u.strip())
        if len(ids) == 1:
            return "D" + ids[0][1:]
        return "G" + "".join(i[1:4] for i in ids).upper()

    def _resolve(self, channel: str) -> str:
        # Posting to a user id lands in the bot's DM with that user; Slack answers with the D id.
        return self._dm_for(channel) if channel[:1] in ("U", "W") else channel

    def _bot_message(self, p: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": envelopes.API_APP_ID,
            "text": p.get("text", ""),
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "metadata"):
            if p.get(key):
                message[key] = decode_json_field(p[key])
        if p.get("thread_ts"):
            message["thread_ts"] = p["thread_ts"]
        return message

    def _message_error(self, p: dict[str, Any]) -> dict[str, Any] | None:
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not any(p.get(k) for k in ("text", "blocks", "attachments", "markdown_text")):
            return {"ok": False, "error": "no_text"}
        return None

    def _auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{envelopes.TEAM_DOMAIN}.slack.com/",
            "team": "canweship (local)",
            "user": "canweship",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _post_message(self, p: dict[str, Any]) -> dict[str, Any]:
        if error := self._message_error(p):
            return error
        ts = envelopes.next_ts()
        channel = self._resolve(str(p["channel"]))
        message = self._bot_message(p, ts)
        with self._changed:
            self._history.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _messages(self, p: dict[str, Any], keep: Any) -> dict[str, Any]:
        """The bot's messages in a channel that `keep` accepts, newest first (as Slack sends
        them); metadata only with `include_all_metadata`, as Slack does."""
        channel = self._resolve(str(p.get("channel", "")))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with self._changed:
            found = [m for m in self._history.get(channel, []) if keep(m)]
        with_metadata = str(p.get("include_all_metadata", "")).lower() in {"1", "true"}
        messages = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in reversed(found)
        ]
        return {"ok": True, "messages": messages, "has_more": False}

    def _history_of(self, p: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: top-level messages after `oldest` (the bot's, in this fake)."""
        oldest = float(p.get("oldest") or 0)
        return self._messages(
            p,
            lambda m: float(m["ts"]) > oldest and m.get("thread_ts") in (None, m["ts"]),
        )

    def _replies_of(self, p: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the replies in the thread of `ts` (the bot's, in this fake)."""
        ts = str(p.get("ts") or "")
        if not ts:
            return {"ok": False, "error": "thread_not_found"}
        return self._messages(p, lambda m: m.get("thread_ts") == ts)

    def _post_ephemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        if error := self._message_error(p):
            return error
        if not p.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": envelopes.next_ts()}

    def _update_message(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not p.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        message = self._bot_message(p, str(p["ts"]))
        return {
            "ok": True,
            "channel": p["channel"],
            "ts": p["ts"],
            "text": message["text"],
            "message": message,
        }

    def _permalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel", "")), str(p.get("message_ts", ""))
        archives = f"https://{envelopes.TEAM_DOMAIN}.slack.com/archives"
        link = f"{archives}/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _view(self, p: dict[str, Any]) -> dict[str, Any]:
        view = decode_json_field(p.get("view"))
        if not isinstance(view, dict) or "type" not in view:
            return {"ok": False, "error": "invalid_arguments"}
        view_id = str(p.get("view_id") or envelopes.new_id("V"))
        return {
            "ok": True,
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{view_id}",
                "private_metadata": "",
                "callback_id": "",
                "external_id": str(p.get("external_id") or ""),
                "root_view_id": view_id,
                "app_id": envelopes.API_APP_ID,
                "bot_id": self.bot_id,
                **view,
            },
        }

    def _open_conversation(self, p: dict[str, Any]) -> dict[str, Any]:
        users = p.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users and not p.get("channel"):
            return {"ok": False, "error": "users_list_not_supplied"}
        channel = str(p.get("channel") or self._dm_for(str(users)))
        with self._changed:
            already = channel in self._open_dms
            self._open_dms.add(channel)
        return {"ok": True, "no_op": already, "already_open": already, "channel": {"id": channel}}

    def _conversation_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        known = self.channels.get(channel, {})
        info = {
            "id": channel,
            "name": known.get("name", channel.lower()),
            "is_channel": channel.startswith("C"),
            "is_group": channel.startswith("G"),
            "is_im": channel.startswith("D"),
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "is_member": True,
            "created": 1700000000,
            **known,
        }
        return {"ok": True, "channel": info}

    def _function_done(self, p: dict[str, Any]) -> dict[str, Any]:
        """functions.completeSuccess / completeError: a workflow step's end (outputs or error)."""
        if not p.get("function_execution_id"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _user_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = str(p.get("user", ""))
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        known = self.users.get(user_id, {})
        name = known.get("name", user_id.lower())
        real_name = known.get("real_name", name)
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": "America/New_York",
            "tz_label": "Eastern Standard Time",
            "tz_offset": -18000,
            "is_admin": False,
            "is_owner": False,
            "is_bot": user_id == self.bot_user_id,
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "email": f"{name}@{envelopes.TEAM_DOMAIN}.example",
            },
            **known,
        }
        return {"ok": True, "user": user}
