"""Erasure by email finds every conversation that holds the email, wherever it
was written: any slot, what the customer wrote, what the bot wrote, the inbox
transcript, a channel's dedupe row; in any case; never a look-alike address.
Real stores: Rasa's SQLTrackerStore + SQLEventBroker (SQLite and PostgreSQL),
a running inbox, the channels' ChannelState."""
from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import time
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa

from addons.channels.state import ChannelState, Inbound
from tests.support.rasa_events import Conversation, project_domain, save_with_rasa
from tests.support.databases import running_postgres
from tests.support.inbox import hand_off, standing_desk_package
from tests.support.procs import PYTHON, ROOT

_tags = itertools.count(1)


def _chat(sender: str, start: float) -> Conversation:
    return Conversation(sender, start).session().user("hi", "greet", 0.97).action("action_listen")


def _slot_only(sender: str, email: str, start: float) -> Conversation:
    """Account creation where the email reached only the slot (typed into a form widget)."""
    return (_chat(sender, start).user("open an account for me", "create_account", 0.95)
            .action("create_account_form").loop("create_account_form")
            .slot("new_account_email", email).slot("requested_slot", None).loop(None)
            .bot("Your account is ready.", "utter_account_created").action("action_listen"))


def _user_text_only(sender: str, email: str, start: float) -> Conversation:
    return (_chat(sender, start).user(f"hey, it's {email}; any news on my refund?", "refund_status", 0.9)
            .bot("Let me check.", "utter_checking").action("action_listen"))


def _bot_text_only(sender: str, email: str, start: float) -> Conversation:
    return (_chat(sender, start).user("reset my password", "password_reset", 0.96)
            .bot(f"I sent a reset link to {email}.\nIt expires in 60 minutes.",
                 "utter_password_reset_sent").action("action_listen"))


class Case:
    """One test's customer and conversations; only `expected` hold the email."""

    def __init__(self) -> None:
        tag = next(_tags)
        self.email = f"maya.q{tag}@example.com"
        self.slot, self.user, self.bot = f"web-slot-{tag}", f"web-user-{tag}", f"web-bot-{tag}"
        self.inbox_only, self.channel_only = f"+1415666{tag:04d}", f"+1415777{tag:04d}"
        self.lookalike = f"web-lookalike-{tag}"
        self.expected = {self.slot: "tracker store: slot new_account_email",
                         self.user: "tracker store: customer message",
                         self.bot: "tracker store: bot message"}

    def conversations(self, now: float) -> List[Conversation]:
        e = self.email
        lookalikes = f"cc anna.{e}, x{e}, {e}.au and {e}m please"  # other addresses, not this one
        return [_slot_only(self.slot, "Maya.Q" + e[6:].replace("example", "Example"), now),
                _user_text_only(self.user, e.upper(), now), _bot_text_only(self.bot, e, now),
                _user_text_only(self.lookalike, lookalikes, now), _chat(self.inbox_only, now)]


def cli(urls: Dict[str, str], *args: str) -> str:
    flags = [f"--{name}-url={url}" for name, url in urls.items()]
    done = subprocess.run([PYTHON, "-m", "services.privacy", *args, *flags], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def count(url: str, sql: str, sender: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), {"s": sender}).scalar()
    finally:
        engine.dispose()


TRACKER = "SELECT COUNT(*) FROM events WHERE sender_id = :s"
INBOX = "SELECT COUNT(*) FROM handoffs WHERE sender_id = :s"
INBOX_MESSAGES = ("SELECT COUNT(*) FROM messages m JOIN handoffs h ON m.handoff_id = h.id "
                  "WHERE h.sender_id = :s")
CHANNEL = "SELECT COUNT(*) FROM channel_inbound WHERE sender_id = :s"


@pytest.fixture
def sqlite_case(tmp_path, inbox):
    """The case on SQLite files written by Rasa, plus the inbox and channel state."""
    case, now = Case(), time.time() - 600
    urls = {"tracker": f"sqlite:///{tmp_path / 'tracker.db'}",
            "broker": f"sqlite:///{tmp_path / 'events.db'}",
            "inbox": inbox.env["INBOX_DB_URL"], "channel": f"sqlite:///{tmp_path / 'channel.db'}"}
    asyncio.run(save_with_rasa(case.conversations(now), tmp_path / "tracker.db", tmp_path / "events.db"))
    package = standing_desk_package(sender_id=case.inbox_only, input_channel="whatsapp")
    package["context"].update(customer={"name": "Maya"}, slots={})  # the email only in the transcript
    package["transcript"].append({"role": "customer", "timestamp": now,
                                  "text": f"you can also mail me at {case.email.title()}"})
    status, body = hand_off(inbox, package)
    assert status == 201, body
    state = ChannelState("whatsapp", urls["channel"])
    asyncio.run(state.record_inbound(Inbound(message_id=f"wamid.{case.channel_only}",
                                             sender_id=case.channel_only, received_at=now,
                                             text=f"my email: {case.email}")))
    case.expected.update({case.inbox_only: "inbox: messages.text",
                          case.channel_only: "channel state: channel_inbound.text"})
    return case, urls


def test_erase_by_email_finds_the_email_in_any_slot_message_transcript_or_channel_row(sqlite_case):
    case, urls = sqlite_case
    result = json.loads(cli(urls, "erase", "--email", case.email.upper(), "--json"))
    assert set(result["senders"]) == set(case.expected)  # not the look-alike addresses
    for sender, where in case.expected.items():
        assert where in result["conversations"][sender]["found_by"], (sender, result)
    assert count(urls["tracker"], TRACKER, case.slot) > 0  # a dry run changes nothing


def test_erase_by_email_reports_and_deletes_each_conversations_rows_per_store(sqlite_case):
    case, urls = sqlite_case
    held = {s: {"tracker store/events": count(urls["tracker"], TRACKER, s),
                "event broker/events": count(urls["broker"], TRACKER, s),
                "inbox/messages": count(urls["inbox"], INBOX_MESSAGES, s),
                "inbox/handoffs": count(urls["inbox"], INBOX, s),
                "channel state/channel_inbound": count(urls["channel"], CHANNEL, s)}
            for s in case.expected}
    lookalike_events = count(urls["tracker"], TRACKER, case.lookalike)

    out = cli(urls, "erase", "--email", case.email, "--yes")
    result = json.loads(cli(urls, "erase", "--email", case.email, "--json"))

    assert result["senders"] == []  # nothing holds the email any more
    lines = out.splitlines()
    for sender, rows in held.items():
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  {sender}  found by: "))
        assert lines[at + 1] == "    rows: " + ", ".join(f"{k} {n}" for k, n in rows.items() if n)
        assert count(urls["tracker"], TRACKER, sender) == 0
    assert held[case.inbox_only]["inbox/messages"] >= 5
    assert count(urls["tracker"], TRACKER, case.lookalike) == lookalike_events > 0


@pytest.fixture(scope="module")
def postgres():
    yield from running_postgres()


async def _save_to_postgres(conversations: List[Conversation], pg, tracker_db: str,
                            broker_db: str) -> None:
    """What save_with_rasa does, with Rasa's PostgreSQL tracker store and broker."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    login = dict(host=pg.host, port=pg.port, username=pg.user, password=pg.password)
    broker = SQLEventBroker(dialect="postgresql", db=broker_db, **login)
    store = SQLTrackerStore(domain=project_domain(), dialect="postgresql", db=tracker_db,
                            event_broker=broker, **login)
    try:
        for conversation in conversations:
            await store.save(DialogueStateTracker.from_events(
                conversation.sender_id, conversation.events, slots=project_domain().slots))
    finally:
        store.engine.dispose()
        broker.engine.dispose()


def test_erase_by_email_on_postgresql_ignores_case_and_look_alikes(postgres, tmp_path: Path):
    case = Case()
    tracker_db, broker_db = (f"privacy_{name}_{case.slot.rsplit('-', 1)[1]}"
                             for name in ("tracker", "broker"))
    urls = {"tracker": postgres.create_database(tracker_db),
            "broker": postgres.create_database(broker_db),
            "inbox": f"sqlite:///{tmp_path / 'none.db'}", "channel": f"sqlite:///{tmp_path / 'none.db'}"}
    asyncio.run(_save_to_postgres(case.conversations(time.time() - 600), postgres, tracker_db, broker_db))

    result = json.loads(cli(urls, "erase", "--email", case.email.upper(), "--yes", "--json"))

    assert set(result["senders"]) == {case.slot, case.user, case.bot}
    deleted = {(r["place"], r["table"]): r["count"] for r in result["rows"]}
    assert deleted[("tracker store", "events")] == deleted[("event broker", "events")] > 0
    assert count(urls["tracker"], TRACKER, case.user) == 0
    assert count(urls["tracker"], TRACKER, case.lookalike) > 0


@pytest.mark.parametrize("not_an_email", ["maya", "maya@example", "@example.com", "maya@@example.com", " "])
def test_erase_refuses_what_is_not_a_whole_email_address(not_an_email, tmp_path):
    urls = [f"--{name}-url=sqlite:///{tmp_path / name}.db" for name in ("tracker", "broker", "inbox", "channel")]
    done = subprocess.run([PYTHON, "-m", "services.privacy", "erase", "--email", not_an_email, *urls],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not an email address" in done.stderr, done
    assert "Traceback" not in done.stderr and done.stdout == ""
