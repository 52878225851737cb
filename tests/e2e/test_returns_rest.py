"""Returns end to end: REST channel -> Rasa -> action server -> demo CRM."""
from __future__ import annotations

import re
from typing import Any, Dict, List

from tests.support.crm import clients
from tests.support.dispatch import text_of
from tests.support.stack import new_sender, say


def tap(rasa, sender: str, replies: List[Dict[str, Any]], title: str) -> List[Dict[str, Any]]:
    """What a chat app sends when the customer taps the button `title`."""
    buttons = {b["title"]: b["payload"] for r in replies for b in r.get("buttons", [])}
    assert title in buttons, f"no button {title!r} in {text_of(replies)!r} {list(buttons)}"
    return say(rasa, sender, buttons[title])


def test_a_full_return_of_the_sweater_gets_an_rma_and_a_label_sent_to_the_masked_email(rasa, demo_crm):
    sender = new_sender("e2e-returns")
    asked = text_of(say(rasa, sender, "I'd like to return something from order 10232"))
    assert "email" in asked.lower() and "Sweater" not in asked  # nothing shown before verification

    which = say(rasa, sender, "maya.patel@example.com")
    assert "Which item" in text_of(which)
    why = text_of(tap(rasa, sender, which, "Merino Wool Sweater (M)"))
    assert "Why" in why

    condition = say(rasa, sender, "it's too small")
    assert "damaged" in text_of(condition)
    method = tap(rasa, sender, condition, "None of these")
    assert "store credit" in text_of(method)
    summary = tap(rasa, sender, method, "Original payment")
    assert ("Merino Wool Sweater (M): refund $113.05 to your original payment method "
            "after the $6.95 return shipping fee") in text_of(summary)

    done = text_of(tap(rasa, sender, summary, "Yes, create it"))
    rma = re.search(r"\bRMA-\w{6}\b", done)
    assert rma, done
    assert "the prepaid label has been sent to m***@example.com" in done
    assert "maya.patel@example.com" not in done

    created = clients(demo_crm)["crm"].get(f"/returns/{rma.group(0)}").body
    assert created["order_id"] == "10232" and created["refund_amount"] == "113.05"
    assert [i["sku"] for i in created["items"]] == ["SWT-MER-M"]
    assert created["label_sent_to"] == "maya.patel@example.com"
