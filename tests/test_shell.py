"""The local shell: scripted stdin in, the transcript of what the bot would post out."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.localslack.recording import POSTING_METHODS
from tests.conftest import REPO

SCRIPT = """\
is Dahua on the list?
:as U0ADMIN
:in C0SALES
can we ship 5G chips to Huawei Device in Dongguan?
:in nowhere
thanks!
:in dm
can we sell laptops to a distributor in Iran
/canweship screen "Acme GmbH" --country DE
/canweship screen
:quit
is Hikvision on the list?
"""

EXPECTED = """\
canweship (in D0LOCALUSER):
  == License required ==
  :warning: Screened “Dahua”
  • Zhejiang Dahua Technology Co., Ltd. is on the Entity List (84 FR 54004; 85 FR 44159). \
License requirement: For all items subject to the EAR. (See § 744.11 of the EAR) \
Review policy: Presumption of denial.
  ---
  :page_facing_up: *Matched record*
  *Zhejiang Dahua Technology Co., Ltd.* (matched as “Dahua”)
  List: Entity List (EL) · record `demo-el-0006` · score 100/100 · CN
  Federal Register: 84 FR 54004; 85 FR 44159
  License requirement: For all items subject to the EAR. (See § 744.11 of the EAR)
  Review policy: :no_entry_sign: Presumption of denial.
    List VERSION, age just now · screened TIME · audit #N
(now acting as U0ADMIN)
(now in channel C0SALES; lines mention @canweship)
canweship (in C0SALES, in thread):
  == License required ==
  :warning: Screened “Huawei Device” · destination China · item 5G chips
  • Huawei Device Co., Ltd. is on the Entity List (84 FR 22963). License requirement: \
For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR) Review policy: \
Presumption of Denial
  ---
  :page_facing_up: *Matched record*
  *Huawei Device Co., Ltd.* (matched as “Huawei Device”)
  List: Entity List (EL) · record `demo-el-0002` · score 100/100 · CN
  Federal Register: 84 FR 22963
  License requirement: For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR)
  Review policy: :no_entry_sign: Presumption of Denial
    List VERSION, age just now · screened TIME · audit #N
usage: :in C456 (a channel id) or :in dm
canweship (in C0SALES, only visible to you, in thread):
  :thinking_face: Nothing to check there. Ask e.g.: can we ship routers to Acme GmbH in Germany?
    No verdict was given.
(back in the DM with canweship)
canweship (in D0LOCALUSER):
  == Prohibited — do not ship ==
  :no_entry: No party screened · destination Iran · item laptops
  • Destination Iran: Iran: comprehensive embargo (Country Group E:1) (15 CFR 746.7).
    List VERSION, age just now · screened TIME · audit #N
canweship (only visible to you):
  == Clear ==
  :large_green_circle: *Party:* Acme GmbH · *Destination:* Germany
  • 'Acme GmbH' matched nothing on the screening list at or above 80/100, and Germany has no \
destination restriction on record.
    List VERSION, age just now · screened TIME · audit #N
canweship (only visible to you):
  :x: Give a party to screen, e.g. /canweship screen Huawei Technologies --country CN
"""


def test_transcript(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env["CANWESHIP_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = re.sub(r"v\d+-[0-9a-f]{8}", "VERSION", result.stdout)
    out = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "TIME", out)
    out = re.sub(r"audit #\d+", "audit #N", out)
    assert out == EXPECTED
    assert "No Slack credentials set: starting the local shell" in result.stderr
    assert "the bundled demo list was loaded" in result.stderr
    assert str(tmp_path / "canweship.db") in result.stderr


# ---- :say, :click, :home, and printing each reply once ---------------------------------------

ANNOUNCEMENT = (
    "BIS approved license D1234567 for Huawei Technologies Co., Ltd. — LTE spare parts for "
    "existing networks, valid until 2099-11-20, maybe"
)


@pytest.fixture
def shell(make_svc, database_url):
    from bot.localslack.shell import LocalShell

    out = io.StringIO()
    sh = LocalShell(make_svc(database_url, env={"CANWESHIP_ADMINS": "U0ADMIN"}), out)
    yield sh, out
    sh.close()


def run(sh, out, *lines: str) -> str:
    start = out.tell()
    for line in lines:
        assert sh.handle(line)
    out.seek(start)
    return out.read()


def test_say_posts_a_plain_message_so_a_watched_channel_records_an_announcement(shell):
    from bot.licensing.licenses import Licenses

    sh, out = shell
    # Not watched yet: a plain message (no mention) is not a question, so the bot stays quiet.
    assert run(sh, out, ":say #C0LIC is Dahua on the list?") == "(no reply)\n"
    text = run(sh, out, ":as U0ADMIN", "/canweship watch #C0LIC", f":say #C0LIC {ANNOUNCEMENT}")
    assert "Watching <#C0LIC> for license announcements" in text
    assert "canweship (in C0LIC, in thread):\n  :memo: *Record this license decision?*" in text
    assert "[1: Confirm] [2: Edit] [3: Ignore]" in text
    lic = Licenses(sh.services.settings, sh.services.engine, sh.services.screener)
    assert lic.get("D1234567") is None  # hedged: it waits for a person
    text = run(sh, out, ":click 1")
    assert text.startswith("canweship (replacing the message):\n  <@U0ADMIN> confirmed: *D1234567*")
    assert lic.get("D1234567") is not None
    assert run(sh, out, ":click 1") == "nothing to click: the last reply had no buttons\n"


def test_buttons_stay_clickable_across_shell_commands_and_clicks_are_checked(shell):
    sh, out = shell
    run(sh, out, "/canweship watch #C0LIC")  # refused: the local user is not an admin
    run(sh, out, ":as U0ADMIN", "/canweship watch #C0LIC", f":say #C0LIC {ANNOUNCEMENT}")
    calls = len(sh.fake.calls())
    for arg, reply in (
        ("0", "usage: :click N with N 1–3 (the buttons shown last)"),
        ("4", "usage: :click N with N 1–3 (the buttons shown last)"),
        ("one", "usage: :click N with N 1–3 (the buttons shown last)"),
    ):
        assert run(sh, out, f":click {arg}") == reply + "\n"
    assert len(sh.fake.calls()) == calls  # nothing was sent
    # A non-admin pressing Confirm is refused, only to them; the buttons are still there after.
    text = run(sh, out, ":as U0INTERN", ":click 1")
    assert "(now acting as U0INTERN)\ncanweship (only visible to you):" in text
    assert "Only canweship admins can record a license decision" in text
    refusals = [c for c in sh.fake.calls()[calls:] if c.method == "response_url"]
    assert [c.params.get("response_type") for c in refusals] == ["ephemeral"]
    text = run(sh, out, ":as U0ADMIN", ":click 3")
    assert "nothing to click" in text  # the refusal had no buttons: what was shown last counts


def test_home_opens_the_home_tab_of_the_current_user(shell):
    sh, out = shell
    run(sh, out, "is Dahua on the list?")
    text = run(sh, out, ":home")
    assert text.startswith("canweship (Home tab):\n  == canweship ==")
    assert "*Your recent questions*" in text and "Dahua" in text
    (publish,) = sh.fake.calls("views.publish")
    assert publish.params["user_id"] == "U0LOCALUSER"


def test_help_lists_every_shell_command(shell):
    sh, out = shell
    text = run(sh, out, ":help")
    for command in (":as", ":in", ":say", ":click", ":home", ":help", ":quit"):
        assert f"  {command}" in text


LINES = [
    "/canweship screen",
    "/canweship status",
    "is Dahua on the list?",
    "hello",
    ":home",
    ":say #C0SALES hello",
    ":in C0SALES",
    ":in dm",
    "/canweship watch #C0LIC",
]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=8))
def test_each_reply_is_printed_once_with_the_line_that_caused_it(shell, lines):
    """Identical replies (same text, same params) used to be printed again on later lines."""
    sh, out = shell
    for line in lines:
        before = len(sh.fake.calls())
        text = run(sh, out, line)
        new = [c for c in sh.fake.calls()[before:] if c.ok]
        shown = [c for c in new if c.method in (*POSTING_METHODS, "views.publish")]
        assert text.count("canweship (") == len(shown), (line, text)
        assert (text == "(no reply)\n") == (not shown and not line.startswith(":in"))


def test_submit_sends_the_modal_shown_last_with_its_inputs_and_changes(shell):
    from bot.licensing.licenses import Licenses

    sh, out = shell
    run(sh, out, ":as U0ADMIN", "/canweship watch #C0LIC", f":say #C0LIC {ANNOUNCEMENT}")
    text = run(sh, out, ":click 2")  # Edit
    assert "canweship (modal “License decision”):" in text
    assert "[number] License or application number: D1234567" in text
    assert "[valid_until] Valid until (optional): 2099-11-20" in text
    calls = len(sh.fake.calls())
    for arg, reply in (
        ("bogus=1", "usage: :submit field=value ... with fields number, decision, party, scope, "),
        ("number=", "“number” is required: :submit number=..."),
        ("decision=maybe", "pick one of: granted, denied, returned, revoked"),
        ('scope="unclosed', "usage: :submit field=value ... (No closing quotation)"),
    ):
        assert run(sh, out, f":submit {arg}").startswith(reply), arg
    assert len(sh.fake.calls()) == calls  # nothing was sent
    # Someone else's submission is refused by the app: the modal stays open with the error.
    text = run(sh, out, ":as U0INTERN", ":submit")
    assert "\n(the modal stays open: number: Only canweship admins can record" in text
    text = run(sh, out, ":as U0ADMIN", ':submit scope="LTE spare parts" valid_until=2098-01-31')
    assert "<@U0ADMIN> recorded: *D1234567* granted" in text and "2098-01-31" in text
    lic = Licenses(sh.services.settings, sh.services.engine, sh.services.screener)
    row = lic.get("D1234567")
    assert (row.scope, str(row.valid_until)) == ("LTE spare parts", "2098-01-31")
    assert run(sh, out, ":submit") == "no modal is open: a button that opens one comes first\n"
