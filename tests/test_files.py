"""Customer files in Slack (issue 19): a CSV or .xlsx shared in the bot's DM, or
`/canweship screen-file` in a channel, is screened row by row; the results come back as a file
in the same format, with a summary. Signed payloads of Slack's real shapes, against the fake
Web API, on both stores; the results are read back from what the fake received."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot.answers.screener import Requester
from bot.files.screen import RESULT_COLUMNS, screen_file
from bot.files.sheet import BadFile, find_columns, read_sheet
from bot.localslack import wire
from handlers.files import JOBS
from storage.models import AuditEvent
from storage.models_reviews import ReviewCase
from tests.helpers import SlackDriver

SECRET = "files-secret"
USER = "U0SALES01"
DM = "D0SALES01"
CHANNEL = "C0DEALS"

CUSTOMERS = (
    "Firma,País,Artikel\n"
    '"Huawei Technologies Co., Ltd.",China,routers\n'
    "Acme GmbH,DE,laptops\n"
    "Kestrel Optics,Iran,cables\n"
    "Hikvision Digital Technology,CN,cameras\n"
)


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def slack(svc, fake):
    return SlackDriver(svc, fake, secret=SECRET, user=USER, token="xoxb-files")


def share_in_dm(slack: SlackDriver, name: str, content: bytes, *, event_id: str | None = None):
    """What Slack sends when USER drops a file in the bot's DM: the `message` (file_share) and
    the `file_shared` event, each signed; returns the file object and the message event."""
    ts = wire.next_ts()
    file = slack.fake.add_file(name, content, channel=DM, user=USER, ts=ts)
    message = wire.file_share_message([file], user=USER, channel=DM, ts=ts)
    slack.dispatch(wire.event_callback(message, secret=SECRET, event_id=event_id))
    slack.dispatch(wire.event_callback(wire.file_shared(file["id"], USER, DM), secret=SECRET))
    assert JOBS.wait_idle(120)
    return file, message


def results_rows(upload: dict) -> list[dict[str, str]]:
    if upload["filename"].endswith(".xlsx"):
        ws = openpyxl.load_workbook(io.BytesIO(upload["raw"]), read_only=True).worksheets[0]
        rows = [[("" if c is None else str(c)) for c in r] for r in ws.iter_rows(values_only=True)]
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return list(csv.DictReader(io.StringIO(upload["raw"].decode("utf-8"))))


# ---- the engine, without Slack ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Firma", "País", "Artikel"], (0, 1, 2)),
        (["Customer ID", "Customer Name", "Ship-to Country", "Product"], (1, 2, 3)),
        (["NOMBRE", "pais de destino"], (0, 1, None)),
        (["id", "Company name", "Country name", "Description"], (1, 2, 3)),
        (["Razón social", "Land"], (0, 1, None)),
        (["party", "COUNTRY", "item"], (0, 1, 2)),
    ],
)
def test_columns_are_found_by_header_whatever_the_case_or_language(header, expected):
    assert find_columns(header) == expected


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("list.pdf", b"%PDF-1.4 ...", "not a CSV or Excel"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "not a CSV or .xlsx"),
        ("parties.csv", b"id,email\n1,a@b.c\n", "row 1 has no column for the party's name"),
        ("parties.csv", b'Name\nAcme\n=HYPERLINK("x")\n', "row 3"),
        ("parties.csv", b"Name,Country\nAcme,Narnia\n", "row 2: unknown country"),
        ("parties.csv", b"Name\nAcme\n\xff\xfe bad\n", "row 3 is not UTF-8"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx"),
        ("parties.csv", b"Name\n", "no parties"),
    ],
)
def test_a_bad_file_is_refused_with_the_problem_and_the_row(services, name, content, says):
    with pytest.raises(BadFile) as refused:
        screen_file(services.screener, name, content, Requester(user="U1", kind="slack"))
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_formula_cell_in_a_workbook_is_refused_naming_row_and_column():
    data = xlsx([["Company", "Country"], ["Acme GmbH", "DE"], ['=A2&" Ltd"', "DE"]])
    with pytest.raises(BadFile, match=r"row 3, column “Company” holds a formula"):
        read_sheet("parties.xlsx", data)


def test_more_than_the_row_limit_is_refused():
    data = ("Name\n" + "".join(f"Party {i}\n" for i in range(11))).encode()
    with pytest.raises(BadFile, match="more than 10 rows"):
        read_sheet("big.csv", data, max_rows=10)


# ---- a file dropped in the bot's DM -------------------------------------------------------------


def test_a_csv_shared_in_the_dm_is_screened_once_and_the_results_come_back(slack, svc):
    _file, message = share_in_dm(slack, "kunden.csv", CUSTOMERS.encode())
    fake = slack.fake

    # One reply in the file's thread, posted at once and then edited; never a second one.
    (progress,) = fake.calls("chat.postMessage")
    assert progress.params["channel"] == DM
    assert progress.params["thread_ts"] == message["ts"]
    assert progress.params["text"] == "Reading kunden.csv…"
    edits = [c.params["text"] for c in fake.calls("chat.update")]
    assert edits[0] == "Screening 4 parties…"
    assert edits[-1].startswith("Screened 4 parties from kunden.csv")

    # Slack's current upload flow, the results in the input's format, in the same thread.
    assert [c.method for c in fake.calls() if c.method.startswith("files.")].count(
        "files.getUploadURLExternal"
    ) == 1
    (upload,) = fake.uploads()
    assert upload["filename"] == "kunden-screened.csv"
    assert (upload["channel"], upload["thread_ts"]) == (DM, message["ts"])
    rows = results_rows(upload)
    assert list(rows[0]) == ["Firma", "País", "Artikel", *RESULT_COLUMNS]
    by_name = {r["Firma"]: r for r in rows}
    assert by_name["Huawei Technologies Co., Ltd."]["verdict"] == "license_required"
    assert by_name["Huawei Technologies Co., Ltd."]["list"] == "EL"
    assert by_name["Huawei Technologies Co., Ltd."]["score"] == "100"
    assert by_name["Kestrel Optics"]["verdict"] == "prohibited"  # Iran: embargo
    assert by_name["Acme GmbH"]["verdict"] == "clear"
    assert all(r["list version"] for r in rows)

    # The summary: counts per verdict and the blocked rows, by row number.
    summary = upload["initial_comment"]
    assert "1 prohibited" in summary and "license required" in summary
    assert "row 2: Huawei Technologies Co., Ltd." in summary
    assert "row 4: Kestrel Optics" in summary
    assert "row 3" not in summary  # Acme is clear

    # Every row audited with the file's name and sha256; one more row for the file itself.
    sha = hashlib.sha256(CUSTOMERS.encode()).hexdigest()
    with Session(svc.engine) as session:
        audit = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    screened = [a for a in audit if a.action == "screen"]
    assert len(screened) == 4
    assert all(a.subject.startswith(f"kunden.csv (sha256 {sha[:16]}) row ") for a in screened)
    assert {a.actor for a in screened} == {USER}
    (whole,) = [a for a in audit if a.action == "screen_file"]
    assert whole.detail["sha256"] == sha and whole.detail["rows"] == 4
    blocked = [
        n for n, r in enumerate(rows, 2) if r["verdict"] in ("prohibited", "license_required")
    ]
    assert whole.detail["blocked_rows"] == blocked and {2, 4} <= set(blocked)


def test_a_redelivered_share_is_not_screened_twice(slack, svc):
    file, message = share_in_dm(slack, "parties.csv", b"Name\nAcme GmbH\n", event_id="Ev0FILE1")
    body, _ = wire.event_callback(message, secret=SECRET, event_id="Ev0FILE1")
    slack.dispatch(wire.redelivery(body, secret=SECRET))
    slack.dispatch(wire.event_callback(wire.file_shared(file["id"], USER, DM), secret=SECRET))
    assert JOBS.wait_idle(60)
    assert len(slack.fake.uploads()) == 1
    assert len(slack.fake.calls("chat.postMessage")) == 1
    with Session(svc.engine) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == "screen")).all()
    assert len(rows) == 1


def test_an_excel_file_comes_back_as_excel_and_uncertain_rows_open_review_cases(slack, svc):
    data = xlsx(
        [
            ["Customer Name", "Country", "Product"],
            ["Huawei Technologies Co., Ltd.", "CN", "routers"],
            ["Zhejiang Dahau Tech", "CN", "cameras"],
            ["Acme GmbH", "DE", "laptops"],
        ]
    )
    share_in_dm(slack, "customers.xlsx", data)
    (upload,) = slack.fake.uploads()
    assert upload["filename"] == "customers-screened.xlsx"
    rows = results_rows(upload)
    assert [r["Customer Name"] for r in rows] == [
        "Huawei Technologies Co., Ltd.",
        "Zhejiang Dahau Tech",
        "Acme GmbH",
    ]
    verdicts = [r["verdict"] for r in rows]
    assert verdicts[0] == "license_required" and verdicts[2] == "clear"
    uncertain = [r for r in rows if r["verdict"] == "review"]
    assert [r["Customer Name"] for r in uncertain] == ["Zhejiang Dahau Tech"]
    with Session(svc.engine) as session:
        cases = session.execute(select(ReviewCase)).scalars().all()
    # Every uncertain (and every listed) row has its case, opened by the screener's hooks.
    assert {c.party for c in cases} >= {r["Customer Name"] for r in uncertain}


def test_a_bad_file_gets_one_clear_reply_and_nothing_is_uploaded(slack, svc):
    share_in_dm(slack, "parties.csv", b"Customer ID,Email\n17,a@example.com\n")
    fake = slack.fake
    assert fake.uploads() == []
    assert len(fake.calls("chat.postMessage")) == 1
    final = fake.calls("chat.update")[-1].params["text"]
    assert final.startswith("I could not screen this file: parties.csv: row 1 has no column")
    assert "Nothing was screened" in final
    with Session(svc.engine) as session:
        assert session.execute(select(AuditEvent).where(AuditEvent.action == "screen")).all() == []


def test_a_file_that_is_not_a_list_is_refused_once(slack):
    share_in_dm(slack, "photo.png", b"\x89PNG\r\n\x1a\n....")
    fake = slack.fake
    (reply,) = fake.calls("chat.postMessage")
    assert "not a CSV or Excel (.xlsx) file" in reply.params["text"]
    assert fake.uploads() == []


def test_an_upload_that_slack_refuses_leaves_no_results_and_says_so(slack):
    slack.fake.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    share_in_dm(slack, "parties.csv", b"Name\nAcme GmbH\n")
    assert slack.fake.uploads() == []
    final = slack.fake.calls("chat.update")[-1].params["text"]
    assert "could not be uploaded (not_in_channel)" in final and "nothing is posted" in final


def test_the_bot_token_is_never_sent_off_slack(slack):
    ts = wire.next_ts()
    file = slack.fake.add_file("parties.csv", b"Name\nAcme\n", channel=DM, user=USER, ts=ts)
    file["url_private_download"] = "https://attacker.example/steal.csv"
    message = wire.file_share_message([file], user=USER, channel=DM, ts=ts)
    slack.dispatch(wire.event_callback(message, secret=SECRET))
    assert JOBS.wait_idle(30)
    assert slack.fake.uploads() == []
    assert "is not stored on Slack" in slack.fake.calls("chat.update")[-1].params["text"]


# ---- `/canweship screen-file` in a channel -------------------------------------------------------


def test_screen_file_in_a_channel_screens_the_latest_list_in_its_thread(slack):
    ts = wire.next_ts()
    slack.fake.add_file("q4-orders.csv", CUSTOMERS.encode(), channel=CHANNEL, user=USER, ts=ts)
    slack.fake.clear()
    slack.dispatch(
        wire.slash_command(
            "/canweship",
            "screen-file",
            secret=SECRET,
            user_id=USER,
            channel_id=CHANNEL,
            response_url=slack.fake.response_url("sf", channel=CHANNEL),
        )
    )
    assert JOBS.wait_idle(60)
    (ack,) = slack.fake.calls("response_url")
    assert ack.params["text"] == "Screening q4-orders.csv: I'll reply in its thread."
    (upload,) = slack.fake.uploads()
    assert (upload["channel"], upload["thread_ts"]) == (CHANNEL, ts)
    assert len(results_rows(upload)) == 4


def test_screen_file_with_nothing_to_screen_says_so(slack):
    reply = slack.command("screen-file")
    assert "found no CSV or Excel file" in reply
    assert slack.fake.uploads() == []


def test_screen_file_names_a_file_by_its_link(slack):
    other = slack.fake.add_file("elsewhere.csv", b"Name\nAcme\n", channel="C0OTHER", user=USER)
    reply = slack.command(f"screen-file {other['permalink']}")
    assert "can't see that file in this channel" in reply
    assert JOBS.wait_idle(10)
    assert slack.fake.uploads() == []
    assert slack.fake.calls("chat.postMessage") == []


# ---- the local shell: `:upload FILE` and `:shortcut TEXT` ---------------------------------------


@pytest.fixture
def shell(make_svc, database_url):
    from bot.localslack.shell import LocalShell

    out = io.StringIO()
    sh = LocalShell(make_svc(database_url), out)
    yield sh, out
    sh.close()


def run(sh, out, *lines: str) -> str:
    start = out.tell()
    for line in lines:
        assert sh.handle(line)
    out.seek(start)
    return out.read()


def test_shell_upload_screens_a_file_in_the_dm_and_saves_the_results(shell, tmp_path):
    sh, out = shell
    path = tmp_path / "kunden.csv"
    path.write_text(CUSTOMERS)
    text = run(sh, out, f":upload {path}")
    assert "Reading kunden.csv…" in text
    assert "Screening 4 parties…" in text
    assert "file sent to D0LOCALUSER" in text and "Blocked rows" in text
    saved = sh.services.settings.data_dir / "shell-files" / "kunden-screened.csv"
    assert f"(results saved to {saved})" in text
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert [r["verdict"] for r in rows][:3] == ["license_required", "clear", "prohibited"]


def test_shell_upload_in_a_channel_then_screen_file(shell, tmp_path):
    sh, out = shell
    path = tmp_path / "orders.xlsx"
    path.write_bytes(xlsx([["Company", "Country"], ["Acme GmbH", "DE"]]))
    text = run(sh, out, ":in C0DEALS", f":upload {path}", "/canweship screen-file")
    assert "(shared orders.xlsx in C0DEALS" in text
    assert "file sent to C0DEALS" in text and "orders-screened.xlsx" in text


def test_shell_upload_of_a_missing_file_says_so(shell, tmp_path):
    sh, out = shell
    assert "cannot read" in run(sh, out, f":upload {tmp_path / 'nope.csv'}")
    assert "usage: :upload FILE" in run(sh, out, ":upload")


def test_shell_shortcut_answers_only_the_user_with_a_post_button(shell):
    sh, out = shell
    text = run(sh, out, ":in C0DEALS", ":shortcut is Huawei Technologies on the list?")
    assert "only visible to you" in text and "License required" in text
    assert "[1: Post in thread]" in text
    posted = run(sh, out, ":click 1")
    assert "in C0DEALS, in thread" in posted and "Posted in the thread." in posted


def test_the_bots_own_results_file_is_never_screened_again(slack):
    share_in_dm(slack, "parties.csv", b"Name\nAcme GmbH\n")
    (upload,) = slack.fake.uploads()
    # Slack tells the bot about its own upload too: a file_shared from the bot user, and the
    # message (which Bolt drops as the bot's own).
    ts = wire.next_ts()
    own = slack.fake.add_file(
        upload["filename"], upload["raw"], channel=DM, user=wire.BOT_USER_ID, ts=ts
    )
    slack.fake.clear()
    slack.dispatch(
        wire.event_callback(wire.file_shared(own["id"], wire.BOT_USER_ID, DM), secret=SECRET)
    )
    slack.dispatch(
        wire.event_callback(
            wire.file_share_message([own], user=USER, channel=DM, ts=ts), secret=SECRET
        )
    )
    assert JOBS.wait_idle(30)
    assert len(slack.fake.uploads()) == 1
    assert slack.fake.calls("chat.postMessage") == []


def test_names_from_the_file_cannot_ping_the_channel_or_forge_links(slack):
    data = b'Name\n"<!channel> Trading <https://evil.example|Bank>"\n'
    share_in_dm(slack, "<!here>.csv", data)
    fake = slack.fake
    texts = [c.params.get("text", "") for c in fake.calls() if c.method.startswith("chat.")]
    (upload,) = fake.uploads()
    for text in [*texts, upload["initial_comment"]]:
        assert "<!" not in text and "<https" not in text, text
    # The results file is data, not a message: the name is kept exactly as written.
    assert results_rows(upload)[0]["Name"] == "<!channel> Trading <https://evil.example|Bank>"


def test_screen_file_by_id_screens_that_file_in_its_own_thread(slack):
    ts = wire.next_ts()
    named = slack.fake.add_file(
        "named.csv", b"Name\nAcme GmbH\n", channel=wire.CHANNEL_ID, user=USER, ts=ts
    )
    slack.fake.add_file("newer.csv", b"Name\nOther Co\n", channel=wire.CHANNEL_ID, user=USER)
    reply = slack.command(f"screen-file {named['id']}")
    assert reply == "Screening named.csv: I'll reply in its thread."
    assert JOBS.wait_idle(60)
    (upload,) = slack.fake.uploads()
    assert (upload["filename"], upload["channel"], upload["thread_ts"]) == (
        "named-screened.csv",
        wire.CHANNEL_ID,
        ts,
    )
