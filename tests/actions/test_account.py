"""Account verification and account requests, against the live demo service.

Each test that changes data uses its own customer (the demo service is shared
by the whole session): C001 Maya (read only), C002 Daniel (newsletter),
C003 Sofia (e2e deletion), C004 Liam (edits), C005 Ava (deletion).
"""
from __future__ import annotations

import datetime as dt
import uuid

from rasa_sdk.executor import CollectingDispatcher

from actions.account import (ActionCreateAccount, ActionDeleteAccount, ActionEditAccount,
                             ActionSendPasswordReset, ActionSetNewsletter, ValidateCreateAccountForm,
                             ValidateDeleteAccountForm, ValidateEditAccountForm, ValidateNewsletterForm,
                             ValidatePasswordResetForm)
from actions.shared.messages import message_name
from tests.support.crm import clients as api, latest_code, start_demo_crm
from tests.support.dispatch import names
from tests.support.domain import required, with_forms
from tests.support.events import slot_values
from tests.support.trackers import says

DOMAIN = with_forms("password_reset_form", "delete_account_form", "edit_account_form",
                    "newsletter_form", "create_account_form")
DELETE_SLOTS = required("delete_account_form")


def verified(customer_id: str, email: str, by: str = "code", **slots):
    """A customer who proved the account earlier in the conversation (by default
    with the one-time code; "email" proves orders only)."""
    return says(fixture="new_conversation", as_recorded=True, slots={
        "customer_id": customer_id, "customer_verified": True, "customer_email": email,
        "verified_by": by, **slots})


def customer(backend, customer_id: str) -> dict:
    return api(backend)["crm"].get(f"/customers/{customer_id}").body


# -- verification ----------------------------------------------------------------------

async def test_a_whatsapp_number_on_an_account_verifies_without_asking_anything(backend):
    tracker = says("I forgot my password", "recover_password", fixture="new_conversation", as_recorded=True,
                           metadata={"channel_identity": {"type": "phone", "value": "+14155550101"}})
    dispatcher = CollectingDispatcher()
    events = await ValidatePasswordResetForm().run(dispatcher, tracker, DOMAIN)
    slots = slot_values(events)
    assert slots["customer_verified"] is True and slots["customer_id"] == "C001"
    assert slots["verified_by"] == "channel" and slots["requested_slot"] is None
    assert dispatcher.messages == []


async def test_a_messenger_id_on_an_account_verifies_its_customer(backend):
    tracker = says("unsubscribe me", "newsletter_subscription", fixture="new_conversation", as_recorded=True,
                           metadata={"channel_identity": {"type": "messenger_psid", "value": "6600000000000002"}})
    events = await ValidateNewsletterForm().run(CollectingDispatcher(), tracker, DOMAIN)
    slots = slot_values(events)
    assert slots["customer_id"] == "C002" and slots["newsletter_choice"] == "unsubscribe"
    assert slots["requested_slot"] is None


async def test_a_stranger_phone_number_is_asked_for_the_email(backend):
    tracker = says("reset my password", "recover_password", fixture="new_conversation", as_recorded=True,
                           metadata={"channel_identity": {"type": "phone", "value": "+19995550000"}})
    form = ValidatePasswordResetForm()
    events = await form.run(CollectingDispatcher(), tracker, DOMAIN)
    assert "customer_verified" not in slot_values(events)
    assert "requested_slot" not in slot_values(events)  # the form goes on: Rasa asks for the email
    assert await form.required_slots(["customer_email"], CollectingDispatcher(), tracker, DOMAIN) == [
        "customer_email"]


async def test_an_email_names_the_account_but_proves_nothing(backend):
    slots = await ValidatePasswordResetForm().validate_customer_email(
        "Daniel.Okafor@Example.com", CollectingDispatcher(), says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots["account_candidate"] == "C002" and "customer_verified" not in slots


def asked_for_code(code: str, candidate: str, **slots):
    tracker = says(code, "inform", fixture="new_conversation", as_recorded=True, slots={
        "account_candidate": candidate, "requested_slot": "verification_code", **slots})
    tracker.active_loop = {"name": "edit_account_form"}
    return tracker


async def test_an_email_sends_a_one_time_code_to_the_email_on_file(backend):
    slots = await ValidateEditAccountForm().validate_customer_email(
        "liam.chen@example.com", CollectingDispatcher(), says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots["account_candidate"] == "C004" and slots["code_sent_to"] == "l***@example.com"
    assert "customer_verified" not in slots
    assert len(latest_code(backend, "liam.chen@example.com")) == 6


async def test_the_right_code_proves_the_account(backend):
    await ValidateEditAccountForm().validate_customer_email(
        "liam.chen@example.com", CollectingDispatcher(), says(fixture="new_conversation", as_recorded=True), DOMAIN)
    code = latest_code(backend, "liam.chen@example.com")
    slots = await ValidateEditAccountForm().validate_verification_code(
        code, CollectingDispatcher(), asked_for_code(code, "C004"), DOMAIN)
    assert slots["customer_verified"] is True and slots["verified_by"] == "code"
    assert slots["customer_id"] == "C004" and slots["verification_code"] != code  # the code is not kept


async def test_a_wrong_code_proves_nothing_and_counts_an_attempt(backend):
    await ValidateEditAccountForm().validate_customer_email(
        "liam.chen@example.com", CollectingDispatcher(), says(fixture="new_conversation", as_recorded=True), DOMAIN)
    wrong = "000000" if latest_code(backend, "liam.chen@example.com") != "000000" else "111111"
    dispatcher = CollectingDispatcher()
    slots = await ValidateEditAccountForm().validate_verification_code(
        wrong, dispatcher, asked_for_code(wrong, "C004"), DOMAIN)
    assert slots["verification_code"] is None and slots["verification_attempts"] == 1.0
    assert "customer_verified" not in slots and names(dispatcher) == ["utter_verification_code_wrong"]


async def test_three_wrong_codes_lock_the_account_even_in_a_new_conversation(backend):
    form = ValidateEditAccountForm()
    await form.validate_customer_email("liam.chen@example.com", CollectingDispatcher(),
                                       says(fixture="new_conversation", as_recorded=True), DOMAIN)
    right = latest_code(backend, "liam.chen@example.com")
    wrong = "000000" if right != "000000" else "111111"
    for attempt in range(3):
        slots = await form.validate_verification_code(wrong, CollectingDispatcher(), asked_for_code(
            wrong, "C004", verification_attempts=float(attempt)), DOMAIN)
    assert slots["verification_attempts"] == 3.0
    # A new conversation (or /restart) starts with no slots, but the lock is the CRM's.
    fresh = await form.validate_customer_email("liam.chen@example.com", CollectingDispatcher(),
                                               says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert fresh["verification_attempts"] == 3.0 and "code_sent_to" not in fresh
    slots = await form.validate_verification_code(right, CollectingDispatcher(),
                                                  asked_for_code(right, "C004"), DOMAIN)
    assert "customer_verified" not in slots and slots["verification_attempts"] == 3.0


async def test_an_expired_code_is_refused_and_a_new_one_sent(tmp_path, monkeypatch):
    from actions import clients

    srv = start_demo_crm(tmp_path, env={"VERIFICATION_CODE_MINUTES": "0.02"})  # 1.2 s
    try:
        for name, value in {"CRM_API_URL": f"{srv.url}/crm/v1", "BILLING_API_URL": f"{srv.url}/billing/v1",
                            "CRM_API_TOKEN": "dev-crm-token", "BILLING_API_TOKEN": "dev-billing-token"}.items():
            monkeypatch.setenv(name, value)
        clients.crm.cache_clear()
        form = ValidateEditAccountForm()
        await form.validate_customer_email("liam.chen@example.com", CollectingDispatcher(),
                                           says(fixture="new_conversation", as_recorded=True), DOMAIN)
        code = latest_code(srv, "liam.chen@example.com")
        import asyncio

        await asyncio.sleep(1.5)
        dispatcher = CollectingDispatcher()
        slots = await form.validate_verification_code(code, dispatcher, asked_for_code(code, "C004"), DOMAIN)
        assert "customer_verified" not in slots and slots["code_sent_to"] == "l***@example.com"
        assert names(dispatcher) == ["utter_verification_code_expired"]
        sent = api(srv)["admin"].get("/outbox", params={"to": "liam.chen@example.com"}).body["messages"]
        assert [m["kind"] for m in sent].count("verification_code") == 2
    finally:
        clients.crm.cache_clear()
        srv.stop()


async def test_an_unknown_email_reveals_nothing_and_counts_an_attempt(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidatePasswordResetForm().validate_customer_email(
        "nobody@example.com", dispatcher, says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots == {"customer_email": None, "verification_attempts": 1.0}
    assert names(dispatcher) == ["utter_account_email_not_found"]


async def test_text_that_is_not_an_email_is_explained_without_a_lookup(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidatePasswordResetForm().validate_customer_email(
        "my name is maya", dispatcher, says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots == {"customer_email": None}
    assert names(dispatcher) == ["utter_invalid_email"]


async def test_a_policy_question_while_asked_for_the_email_is_not_taken_as_the_email(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, slots={"requested_slot": "customer_email"},
                           text="what's your refund policy?", intent="check_refund_policy")
    assert await ValidatePasswordResetForm().extract_customer_email(CollectingDispatcher(), tracker, DOMAIN) == {}
    tracker = says(fixture="new_conversation", as_recorded=True, slots={"requested_slot": "customer_email"},
                           text="actually cancel my order", intent="cancel_order")
    assert await ValidatePasswordResetForm().extract_customer_email(CollectingDispatcher(), tracker, DOMAIN) == {}


async def test_after_three_unknown_emails_the_form_ends_and_a_person_is_offered(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidatePasswordResetForm().validate_customer_email(
        "x@example.com", dispatcher, says(fixture="new_conversation", as_recorded=True, slots={"verification_attempts": 2.0}), DOMAIN)
    assert slots["verification_attempts"] == 3.0 and dispatcher.messages == []
    exhausted = says(fixture="new_conversation", as_recorded=True, slots=slots)
    assert await ValidatePasswordResetForm().required_slots(["customer_email"], dispatcher, exhausted, DOMAIN) == []
    events = await ActionSendPasswordReset().run(dispatcher, exhausted, {})
    assert names(dispatcher) == ["utter_account_verification_failed"]
    assert "verify" in slot_values(events)["handoff_reason"]


async def test_a_customer_verified_earlier_in_the_conversation_is_not_asked_again(backend):
    tracker = verified("C002", "daniel.okafor@example.com")
    form = ValidateNewsletterForm()
    assert await form.required_slots(["customer_email", "verification_code", "newsletter_choice"],
                                     CollectingDispatcher(), tracker, DOMAIN) == ["newsletter_choice"]


async def test_an_email_that_proved_an_order_does_not_prove_the_account(backend):
    by_email = verified("C002", "daniel.okafor@example.com", by="email", verified_orders=["10234"])
    assert await ValidateNewsletterForm().required_slots(
        ["customer_email", "verification_code", "newsletter_choice"], CollectingDispatcher(),
        by_email, DOMAIN) == ["customer_email", "verification_code", "newsletter_choice"]


async def test_an_outage_during_verification_ends_the_form_politely(backend_down):
    dispatcher = CollectingDispatcher()
    slots = await ValidatePasswordResetForm().validate_customer_email(
        "maya.patel@example.com", dispatcher, says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots["backend_down"] is True and names(dispatcher) == ["utter_backend_down"]
    tracker = says("reset my password", "recover_password", fixture="new_conversation", as_recorded=True,
                           metadata={"channel_identity": {"type": "phone", "value": "+14155550101"}})
    dispatcher = CollectingDispatcher()
    events = await ValidatePasswordResetForm().run(dispatcher, tracker, DOMAIN)
    assert slot_values(events)["backend_down"] is True and slot_values(events)["requested_slot"] is None
    assert names(dispatcher) == ["utter_backend_down"]


# -- password reset -----------------------------------------------------------------------

async def test_a_reset_link_valid_for_one_hour_goes_to_the_email_on_file(backend):
    dispatcher = CollectingDispatcher()
    events = await ActionSendPasswordReset().run(dispatcher, verified("C001", "maya.patel@example.com"), {})
    assert events == []
    [message] = dispatcher.messages
    assert message_name(message) == "utter_password_reset_sent"
    assert "valid for 1 hour" in message["text"] and "m***@example.com" in message["text"]
    assert "never ask for your password" in message["text"]
    sent = api(backend)["admin"].get("/outbox", params={"to": "maya.patel@example.com"}).body["messages"]
    assert any(m["kind"] == "password_reset" for m in sent)


async def test_an_unreachable_crm_during_the_reset_is_a_polite_message(backend_down):
    dispatcher = CollectingDispatcher()
    events = await ActionSendPasswordReset().run(dispatcher, verified("C001", "maya.patel@example.com"), {})
    assert names(dispatcher) == ["utter_backend_down"]
    assert slot_values(events)["backend_errors"][0]["system"] == "crm"


# -- deletion -----------------------------------------------------------------------------

async def test_deletion_needs_the_account_proven_by_code_or_channel(backend):
    form = ValidateDeleteAccountForm()
    by_email = verified("C001", "maya.patel@example.com", by="email", verified_orders=["10231"])
    assert await form.required_slots(DELETE_SLOTS, CollectingDispatcher(), by_email, DOMAIN) == DELETE_SLOTS
    for by in ("code", "channel"):
        proven = verified("C001", "maya.patel@example.com", by=by)
        assert await form.required_slots(DELETE_SLOTS, CollectingDispatcher(), proven, DOMAIN) == [
            "deletion_confirmed"]


async def test_an_email_alone_never_deletes_the_account(backend):
    tracker = verified("C001", "maya.patel@example.com", by="email", verified_orders=["10231"],
                       deletion_confirmed=True)
    dispatcher = CollectingDispatcher()
    await ActionDeleteAccount().run(dispatcher, tracker, {})
    assert "utter_account_deletion_requested" not in names(dispatcher)
    messages = api(backend)["admin"].get("/outbox", params={"to": "maya.patel@example.com"}).body["messages"]
    assert all(m["kind"] != "deletion_confirmation" for m in messages)


async def test_a_confirmed_deletion_is_requested_and_completed_within_30_days(backend):
    tracker = verified("C005", "ava.johnson@example.com", deletion_confirmed=True)
    dispatcher = CollectingDispatcher()
    events = await ActionDeleteAccount().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message_name(message) == "utter_account_deletion_requested"
    assert "DEL-" in message["text"] and "7 years" in message["text"]
    in_30_days = dt.date.today() + dt.timedelta(days=30)
    assert f"{in_30_days:%B} {in_30_days.day}" in message["text"]
    assert slot_values(events)["deletion_confirmed"] is None
    # the same message repeated by Rasa is the same request (idempotency key)...
    repeat = CollectingDispatcher()
    await ActionDeleteAccount().run(repeat, tracker, {})
    assert repeat.messages[0]["text"] == message["text"]
    # ...while asking again later is told it is already under way
    later = verified("C005", "ava.johnson@example.com", deletion_confirmed=True)
    later.events.append({"event": "user", "text": "delete my account", "message_id": "m-later",
                         "timestamp": 9.0, "metadata": {}})
    again = CollectingDispatcher()
    await ActionDeleteAccount().run(again, later, {})
    assert names(again) == ["utter_account_deletion_already_requested"]


async def test_no_to_the_deletion_keeps_the_account(backend):
    tracker = verified("C004", "liam.chen@example.com", by="channel", deletion_confirmed=False)
    dispatcher = CollectingDispatcher()
    await ActionDeleteAccount().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_account_kept"]
    messages = api(backend)["admin"].get("/outbox", params={"to": "liam.chen@example.com"}).body["messages"]
    assert all(m["kind"] != "deletion_confirmation" for m in messages)


# -- edits --------------------------------------------------------------------------------

async def test_the_field_is_understood_from_the_first_message(backend):
    tracker = says("I need to change my phone number", "edit_account", fixture="new_conversation", as_recorded=True)
    assert await ValidateEditAccountForm().extract_account_field(CollectingDispatcher(), tracker, DOMAIN) == {
        "account_field": "phone"}


async def test_a_new_phone_number_is_normalised_and_saved(backend):
    form = ValidateEditAccountForm()
    tracker = verified("C004", "liam.chen@example.com", account_field="phone")
    slots = await form.validate_account_new_value("+1 (604) 555-0111", CollectingDispatcher(), tracker, DOMAIN)
    assert slots == {"account_new_value": "+16045550111"}
    dispatcher = CollectingDispatcher()
    tracker = verified("C004", "liam.chen@example.com", account_field="phone", account_new_value="+16045550111")
    await ActionEditAccount().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message_name(message) == "utter_account_updated" and "+16045550111" in message["text"]
    assert customer(backend, "C004")["phone"] == "+16045550111"


async def test_a_phone_number_without_country_code_is_explained(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateEditAccountForm().validate_account_new_value(
        "call me maybe", dispatcher, verified("C004", "liam.chen@example.com", account_field="phone"), DOMAIN)
    assert slots == {"account_new_value": None}
    assert names(dispatcher) == ["utter_account_invalid_phone"]


async def test_a_new_address_is_saved(backend):
    address = "901 Robson St, Vancouver, BC V6Z 3B7, CA"
    dispatcher = CollectingDispatcher()
    tracker = verified("C004", "liam.chen@example.com", account_field="address", account_new_value=address)
    await ActionEditAccount().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_account_updated"]
    assert customer(backend, "C004")["address"] == address


async def test_changing_the_email_is_not_done_in_chat_and_a_person_is_offered(backend):
    tracker = says("change my email to maya.p@example.com", "edit_account", fixture="new_conversation", as_recorded=True)
    form = ValidateEditAccountForm()
    slots = await form.extract_account_field(CollectingDispatcher(), tracker, DOMAIN)
    assert slots == {"account_field": "email"}
    asked = says(fixture="new_conversation", as_recorded=True, slots=slots)
    assert await form.required_slots(required("edit_account_form"),
                                     CollectingDispatcher(), asked, DOMAIN) == []
    dispatcher = CollectingDispatcher()
    events = await ActionEditAccount().run(dispatcher, asked, {})
    assert names(dispatcher) == ["utter_account_email_change_needs_person"]
    assert slot_values(events)["handoff_reason"]


# -- newsletter ---------------------------------------------------------------------------

async def test_subscribe_or_unsubscribe_is_read_from_the_message(backend):
    form = ValidateNewsletterForm()
    cases = {"please unsubscribe me from the newsletter": "unsubscribe",
             "sign me up for the newsletter": "subscribe", "Unsubscribe": "unsubscribe"}
    for text, choice in cases.items():
        tracker = says(text, "newsletter_subscription", fixture="new_conversation", as_recorded=True)
        assert await form.extract_newsletter_choice(CollectingDispatcher(), tracker, DOMAIN) == {
            "newsletter_choice": choice}, text
    unclear = says("newsletter", "newsletter_subscription", fixture="new_conversation", as_recorded=True)
    assert await form.extract_newsletter_choice(CollectingDispatcher(), unclear, DOMAIN) == {}


async def test_subscribing_changes_the_newsletter_setting(backend):
    assert customer(backend, "C002")["newsletter"] is False
    dispatcher = CollectingDispatcher()
    events = await ActionSetNewsletter().run(
        dispatcher, verified("C002", "daniel.okafor@example.com", newsletter_choice="subscribe"), {})
    assert names(dispatcher) == ["utter_newsletter_subscribed"]
    assert customer(backend, "C002")["newsletter"] is True
    assert slot_values(events)["newsletter_choice"] is None
    again = CollectingDispatcher()
    await ActionSetNewsletter().run(again, verified("C002", "daniel.okafor@example.com",
                                                    newsletter_choice="subscribe"), {})
    assert names(again) == ["utter_newsletter_already_subscribed"]
    off = CollectingDispatcher()
    await ActionSetNewsletter().run(off, verified("C002", "daniel.okafor@example.com",
                                                  newsletter_choice="unsubscribe"), {})
    assert names(off) == ["utter_newsletter_unsubscribed"]
    assert customer(backend, "C002")["newsletter"] is False


# -- new accounts -------------------------------------------------------------------------

async def test_a_new_account_is_created_with_the_whatsapp_number(backend):
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    tracker = says(fixture="new_conversation", as_recorded=True, slots={"new_account_name": "Nora Field", "new_account_email": email},
                           metadata={"channel_identity": {"type": "phone", "value": "+14155550177"}})
    dispatcher = CollectingDispatcher()
    await ActionCreateAccount().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message_name(message) == "utter_account_created" and email in message["text"]
    [created] = api(backend)["crm"].get("/customers", params={"email": email}).body["customers"]
    assert created["name"] == "Nora Field" and created["phone"] == "+14155550177"


async def test_an_email_that_has_an_account_already_is_explained(backend):
    tracker = says(fixture="new_conversation", as_recorded=True, slots={"new_account_name": "Maya P",
                                                      "new_account_email": "maya.patel@example.com"})
    dispatcher = CollectingDispatcher()
    await ActionCreateAccount().run(dispatcher, tracker, {})
    assert names(dispatcher) == ["utter_account_email_taken"]


async def test_a_new_account_email_must_look_like_an_email(backend):
    dispatcher = CollectingDispatcher()
    slots = await ValidateCreateAccountForm().validate_new_account_email(
        "nora at example", dispatcher, says(fixture="new_conversation", as_recorded=True), DOMAIN)
    assert slots == {"new_account_email": None} and names(dispatcher) == ["utter_invalid_email"]
