"""Right to erasure and retention against real stores: conversations saved by
Rasa's SQLTrackerStore (publishing to its SQLEventBroker), handoffs in a
running inbox, and channel state written by the channels' own ChannelState."""
from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import time
from pathlib import Path
from typing import Dict

import sqlalchemy as sa

from addons.channels.state import ChannelState, Inbound
from tests.support.rasa_events import Conversation, contained_order_tracking, project_domain, save_with_rasa
from tests.support.inbox import call, hand_off, login, standing_desk_package
from tests.support.procs import PYTHON, ROOT

_tags = itertools.count(1)
DAY = 86400


def verified_by_phone(sender_id: str, customer_id: str, start: float) -> Conversation:
    """A Messenger conversation verified by channel identity: no email slot at all."""
    return (Conversation(sender_id, start, channel="messenger").session()
            .user("cancel my order 10244", "cancel_order", 0.93)
            .action("action_verify_customer").slot("customer_id", customer_id)
            .slot("customer_verified", True).slot("verified_by", "channel_identity")
            .bot("Order 10244 is cancelled.", "utter_order_cancelled").action("action_listen"))


class World:
    """One test's stores (its own files) and its own senders in the shared inbox."""

    def __init__(self, tmp: Path, inbox, ages: Dict[str, float]) -> None:
        tag = next(_tags)
        self.tmp, self.inbox = tmp, inbox
        self.email = f"maya.{tag}@example.com"
        self.phone = f"+1415555{tag:04d}"       # WhatsApp sender, gave the email
        self.psid = f"66000000000{tag:05d}"      # Messenger, verified by channel identity
        self.other = f"web-other-{tag}"          # someone else
        self.customer_id = f"C{9000 + tag}"
        self.urls = {"tracker": f"sqlite:///{tmp / 'tracker.db'}",
                     "broker": f"sqlite:///{tmp / 'events.db'}",
                     "inbox": inbox.env["INBOX_DB_URL"],
                     "channel": f"sqlite:///{tmp / 'channel_state.db'}"}
        now = time.time()
        mine = contained_order_tracking(self.phone, now - ages.get("phone", 3600))
        for event in mine.events:  # this customer's email and id
            if getattr(event, "key", None) == "customer_email":
                event.value = self.email
            if getattr(event, "key", None) == "customer_id":
                event.value = self.customer_id
        other = contained_order_tracking(self.other, now - ages.get("other", 3600))
        for event in other.events:
            if getattr(event, "key", None) == "customer_email":
                event.value = f"jonas.{tag}@example.com"
            if getattr(event, "key", None) == "customer_id":
                event.value = f"C{8000 + tag}"
        asyncio.run(save_with_rasa(
            [mine, verified_by_phone(self.psid, self.customer_id, now - ages.get("psid", 3600)), other],
            tmp / "tracker.db", tmp / "events.db"))
        self.handoffs = {}
        for sender, email, cid in ((self.phone, self.email, self.customer_id),
                                   (self.other, f"jonas.{tag}@example.com", f"C{8000 + tag}")):
            package = standing_desk_package(sender_id=sender, input_channel="whatsapp")
            package["context"]["customer"].update(email=email, id=cid)
            package["context"]["slots"].update(customer_email=email, customer_id=cid)
            status, body = hand_off(inbox, package)
            assert status == 201, body
            self.handoffs[sender] = body["id"]
        asyncio.run(self._channel_state(now, ages))

    async def _channel_state(self, now: float, ages: Dict[str, float]) -> None:
        whatsapp = ChannelState("whatsapp", self.urls["channel"])
        messenger = ChannelState("messenger", self.urls["channel"])
        for state, sender in ((whatsapp, self.phone), (messenger, self.psid), (whatsapp, self.other)):
            when = now - ages.get("channel", 60)
            await state.record_inbound(Inbound(message_id=f"wamid.{sender}", sender_id=sender,
                                               text="hi",
                                               received_at=when))
            await state.touch_window(sender, when)
        await whatsapp.record_status("wamid.out1", "delivered", self.phone, now - 30)

    def cli(self, *args: str) -> str:
        flags = [f"--{name}-url={url}" for name, url in self.urls.items()]
        done = subprocess.run([PYTHON, "-m", "services.privacy", *args, *flags], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def rows(self, sender: str) -> Dict[str, int]:
        """Rows that hold `sender`, counted straight from each database."""
        counts = {}
        for name, table, column in (("tracker", "events", "sender_id"), ("broker", "events", "sender_id"),
                                    ("inbox", "handoffs", "sender_id"),
                                    ("channel", "channel_inbound", "sender_id"),
                                    ("channel", "channel_windows", "customer_id"),
                                    ("channel", "channel_statuses", "recipient_id")):
            engine = sa.create_engine(self.urls[name])
            with engine.connect() as conn:
                counts[f"{name}.{table}"] = conn.execute(
                    sa.text(f"SELECT COUNT(*) FROM {table} WHERE {column} = :s"), {"s": sender}).scalar()
            engine.dispose()
        counts["inbox.messages"] = self.inbox_messages(sender)
        return counts

    def inbox_messages(self, sender: str) -> int:
        engine = sa.create_engine(self.urls["inbox"])
        with engine.connect() as conn:
            n = conn.execute(sa.text("SELECT COUNT(*) FROM messages m JOIN handoffs h "
                                     "ON m.handoff_id = h.id WHERE h.sender_id = :s"),
                             {"s": sender}).scalar()
        engine.dispose()
        return n

    def tracker_events(self, sender: str) -> int:
        """What Rasa itself would load for this sender."""
        from rasa.core.tracker_store import SQLTrackerStore

        store = SQLTrackerStore(domain=project_domain(), db=str(self.tmp / "tracker.db"))
        try:
            tracker = asyncio.run(store.retrieve_full_tracker(sender))
        finally:
            store.engine.dispose()
        return len(tracker.events) if tracker else 0


def handoff_status(world: World, sender: str) -> int:
    status, _ = call("GET", f"{world.inbox.url}/api/handoffs/{world.handoffs[sender]}",
                     token=login(world.inbox))
    return status


def test_erase_by_email_is_a_dry_run_unless_yes(tmp_path, inbox):
    world = World(tmp_path, inbox, {})
    before = {s: world.rows(s) for s in (world.phone, world.psid, world.other)}
    assert all(n > 0 for n in before[world.phone].values())

    out = world.cli("erase", "--email", world.email.upper())
    assert "dry run" in out and world.phone in out and world.psid in out
    assert world.other not in out
    assert f"Customer ids matched: {world.customer_id}" in out
    assert {s: world.rows(s) for s in before} == before  # nothing changed
    expected = before[world.phone]["tracker.events"] + before[world.psid]["tracker.events"]
    assert any(line.split()[-1] == str(expected) for line in out.splitlines()
               if line.strip().startswith("tracker store") and "events" in line)


def test_erase_by_email_deletes_every_conversation_of_that_customer(tmp_path, inbox):
    world = World(tmp_path, inbox, {})
    other_before = world.rows(world.other)

    result = json.loads(world.cli("erase", "--email", world.email, "--yes", "--json"))
    assert result["deleted"] is True
    assert set(result["senders"]) == {world.phone, world.psid}  # the psid one only by customer id
    deleted = {(r["place"], r["table"]): r["count"] for r in result["rows"]}
    assert deleted[("inbox", "handoffs")] == 1 and deleted[("inbox", "messages")] >= 4
    assert deleted[("channel state", "channel_inbound")] == 2

    for sender in (world.phone, world.psid):
        assert set(world.rows(sender).values()) == {0}, sender
        assert world.tracker_events(sender) == 0
    assert handoff_status(world, world.phone) == 404
    # Someone else's conversation is untouched, in Rasa and in the inbox.
    assert world.rows(world.other) == other_before
    assert world.tracker_events(world.other) > 0
    assert handoff_status(world, world.other) == 200


def test_erase_by_sender_deletes_only_that_conversation(tmp_path, inbox):
    world = World(tmp_path, inbox, {})
    psid_before = world.rows(world.psid)

    out = world.cli("erase", "--sender", world.phone, "--yes")
    assert out.splitlines()[0] == f"Erase conversations of sender(s) {world.phone}"
    assert "Deleted:" in out
    assert set(world.rows(world.phone).values()) == {0}
    assert world.rows(world.psid) == psid_before


def test_purge_deletes_old_conversations_and_keeps_recent_and_open_ones(tmp_path, inbox):
    # phone: 100 days quiet, handoff closed -> purged; other: 100 days quiet but its
    # handoff is still open -> kept; psid: active yesterday -> kept.
    world = World(tmp_path, inbox, {"phone": 100 * DAY, "other": 100 * DAY, "psid": DAY,
                                    "channel": 100 * DAY})
    status, body = call("POST", f"{inbox.url}/api/handoffs/{world.handoffs[world.phone]}/close",
                        {"resolution": "resolved"}, token=login(inbox))
    assert status == 200, body
    other_before, psid_before = world.rows(world.other), world.rows(world.psid)

    dry = json.loads(world.cli("purge", "--older-than-days", "90", "--json"))
    assert dry["deleted"] is False and dry["senders"] == [world.phone]
    assert dry["skipped"] == {world.other: "open handoff (waiting)"}
    assert world.rows(world.phone)["tracker.events"] > 0

    out = world.cli("purge", "--older-than-days", "90", "--yes")
    assert "Deleted:" in out and f"Kept {world.other}: open handoff (waiting)" in out
    gone = world.rows(world.phone)
    assert gone["tracker.events"] == gone["broker.events"] == gone["inbox.handoffs"] == 0
    assert gone["inbox.messages"] == 0 and handoff_status(world, world.phone) == 404
    kept_other, kept_psid = world.rows(world.other), world.rows(world.psid)
    assert kept_other["tracker.events"] == other_before["tracker.events"]
    assert kept_psid["tracker.events"] == psid_before["tracker.events"]
    # Channel state goes by age: the 100-day-old dedupe rows and windows are gone.
    for sender in (world.phone, world.psid, world.other):
        assert world.rows(sender)["channel.channel_inbound"] == 0
        assert world.rows(sender)["channel.channel_windows"] == 0
    assert world.rows(world.phone)["channel.channel_statuses"] == 1  # 30 seconds old


def test_missing_databases_are_skipped_not_created(tmp_path):
    urls = [f"--{name}-url=sqlite:///{tmp_path / name}.db"
            for name in ("tracker", "broker", "inbox", "channel")]
    done = subprocess.run([PYTHON, "-m", "services.privacy", "purge", "--older-than-days", "90",
                           "--yes", *urls], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("skipped: no such file") == 4
    assert list(tmp_path.iterdir()) == []
