"""One malformed message in a delivery is logged and skipped; the webhook still
answers 200 and every other message of the delivery reaches the bot."""
from __future__ import annotations

from tests.support import payloads as p
from tests.support.channels import logged, PUBLIC_TWILIO_URL, SECRETS
from tests.support.channels import post_meta, post_twilio, wait_for
from tests.support.payloads import new_psid


def test_a_whatsapp_message_with_a_string_text_does_not_drop_the_good_one(harness):
    wa_id = p.unique_wa_id()
    good = p.wa_text("the good one", wa_id=wa_id)
    value = good["entry"][0]["changes"][0]["value"]
    bad = dict(value["messages"][0], id=p.unique("wamid.BAD"), text="not an object")
    value["messages"].insert(0, bad)
    reply = post_meta(harness.webhook("whatsapp"), good, SECRETS["WHATSAPP_APP_SECRET"])
    assert reply.status == 200
    harness.wait_event(sender_id=f"+{wa_id}", text="the good one")
    assert len(harness.events(sender_id=f"+{wa_id}")) == 1
    wait_for(lambda: logged(harness, f"whatsapp: malformed item {bad['id']} skipped"),
             what="the skipped message in the log")


def test_a_messenger_event_with_a_string_message_does_not_drop_the_good_one(harness):
    psid = new_psid()
    good = p.fb_text("the good one", psid=psid)
    good["entry"][0]["messaging"].insert(0, p.fb_event(psid, message="not an object"))
    reply = post_meta(harness.webhook("messenger"), good, SECRETS["MESSENGER_APP_SECRET"])
    assert reply.status == 200
    harness.wait_event(sender_id=psid, text="the good one")
    assert len(harness.events(sender_id=psid)) == 1


def test_a_twilio_message_with_an_odd_media_count_still_reaches_the_bot(harness):
    phone = "+" + p.unique_wa_id()
    form = p.tw_message("my parcel is late", phone=phone, NumMedia="²")
    reply = post_twilio(harness.webhook("twilio_whatsapp"), form,
                        SECRETS["TWILIO_AUTH_TOKEN"], signed_url=PUBLIC_TWILIO_URL)
    assert reply.status == 200
    harness.wait_event(sender_id=phone, text="my parcel is late")
