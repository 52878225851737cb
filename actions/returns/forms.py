"""The return form (validate_return_form), one question at a time: the order
(verified once per conversation: OrderProof), which item(s) (skipped
when only one item can be returned), the reason, whether it arrived damaged,
defective or wrong, and the refund method; then the CRM's quote is shown and
confirmed (summary.py).

Eligibility is checked as soon as the order is known *and* the customer is
verified (the order's status is personal data). An ineligible order ends the
form (slot `return_ineligible`); action_submit_return explains the rule.
Each slot takes only what answers it; policy questions, other requests and
"stop" are for the rules (actions/shared/forms.py).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.clients.base import BackendError, NotFound, Rejected
from actions.shared.common import entity_values, latest_intent, latest_text, outage, verified_customer
from actions.shared.forms import CustomerForm, LOW_CONFIDENCE, ORDER_NUMBER
from actions.shared.messages import utter
from actions.returns.eligibility import (ineligibility, item_label, match_items, order_items, refused_items,
                                         returnable)
from actions.shared.verification import OrderProof

CONDITIONS = ("damaged", "defective", "wrong_item", "none")
FREE_CONDITIONS = {"damaged", "defective", "wrong_item"}
REFUND_METHODS = ("original_payment", "store_credit")
# return_reason entity values (data/nlu/entities.yml synonyms) in plain words.
REASON_WORDS = {"damaged": "arrived damaged", "defective": "defective",
                "wrong_item": "wrong item sent", "doesnt_fit": "doesn't fit",
                "changed_mind": "changed my mind"}

CONDITION_WORDS = (
    ("damaged", re.compile(r"damag|broke|crack|smash|dent|scratch|crush|shatter", re.I)),
    ("defective", re.compile(r"defect|faulty|not work|doesn'?t work|does not work|stopped|"
                             r"won'?t|leak|dead", re.I)),
    ("wrong_item", re.compile(r"wrong|not what i ordered|different", re.I)),
    ("none", re.compile(r"^\W*(no|nope|none|neither|nah|fine|ok|okay|all good|"
                        r"none of (these|them|those)|it'?s fine|nothing)\b", re.I)),
)
CREDIT_WORDS = re.compile(r"credit|voucher|gift|bonus", re.I)
CARD_WORDS = re.compile(r"card|original|paypal|money back|refund|cash|visa|mastercard|amex|bank",
                        re.I)
MAX_REASON_CHARS = 300


class ValidateReturnForm(CustomerForm, form="return_form"):
    proof = OrderProof()

    # "both", "none of these", "nope it's fine" answer the question even when the NLU isn't sure.
    may_answer = LOW_CONFIDENCE | {"deny"}

    def answers_the_question(self, tracker: Tracker) -> bool:
        # "refund to my card" may read as get_refund; "it's broken, terrible" as complaint.
        entity = {"return_refund_method": "refund_method", "return_reason": "return_reason",
                  "return_condition": "return_reason", "return_items": "product"}
        asked = tracker.get_slot("requested_slot")
        return super().answers_the_question(tracker) or (
            asked in entity and bool(entity_values(tracker, entity[asked])))

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("return_ineligible"):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    # -- extraction: each slot takes only what answers it --

    @staticmethod
    def _corrects_order(tracker: Tracker) -> bool:
        return bool(entity_values(tracker, "order_id"))

    async def extract_return_items(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        if self.not_an_answer(tracker):
            return {}
        products = entity_values(tracker, "product")
        if self.asked(tracker, "return_items") and not self._corrects_order(tracker):
            text = latest_text(tracker)
            mentions = products or ([text] if text else [])
            return {"return_items": mentions} if mentions else {}
        if products and not tracker.get_slot("return_items"):
            return {"return_items": products}  # volunteered ("return my sweater")
        return {}

    async def extract_return_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        if self.not_an_answer(tracker):
            return {}
        reasons = entity_values(tracker, "return_reason")
        if self.asked(tracker, "return_reason"):
            if self._corrects_order(tracker) and not reasons:
                return {}
            text = latest_text(tracker)
            if text.startswith("/"):  # a button payload, not the customer's words
                text = REASON_WORDS.get(reasons[0], reasons[0]) if reasons else ""
            return {"return_reason": text} if text else {}
        asked = tracker.get_slot("requested_slot")
        if reasons and not tracker.get_slot("return_reason") and asked != "return_condition":
            return {"return_reason": REASON_WORDS.get(reasons[0], reasons[0])}
        return {}

    async def extract_return_condition(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        if self.not_an_answer(tracker):
            return {}
        reasons = entity_values(tracker, "return_reason")
        free = [r for r in reasons if r in FREE_CONDITIONS]
        if free:
            return {"return_condition": free[0]}  # "it arrived cracked" says it all
        if not self.asked(tracker, "return_condition") or self._corrects_order(tracker):
            return {}
        if reasons or latest_intent(tracker) == "deny":
            return {"return_condition": "none"}  # "it doesn't fit", "no", "None of these"
        text = latest_text(tracker)
        return {"return_condition": text} if text else {}

    async def extract_return_refund_method(self, dispatcher: CollectingDispatcher,
                                           tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if self.not_an_answer(tracker):
            return {}
        methods = [m for m in entity_values(tracker, "refund_method") if m in REFUND_METHODS]
        if methods:
            return {"return_refund_method": methods[0]}
        if self.asked(tracker, "return_refund_method") and not self._corrects_order(tracker):
            text = latest_text(tracker)
            return {"return_refund_method": text} if text else {}
        return {}

    async def extract_return_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        if not self.asked(tracker, "return_confirmed") or self.not_an_answer(tracker):
            return {}
        if any(entity_values(tracker, e) for e in ("order_id", "product", "return_reason", "refund_method")):
            return {}  # "store credit instead": the summary is shown again
        return self.yes_or_no(tracker, "return_confirmed")

    # -- validation --

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        slots = await super().validate_order_id(value, dispatcher, tracker, domain)
        if slots.get("order_id") and slots["order_id"] != tracker.get_slot("return_checked_order"):
            # A new or corrected order: its facts are checked again, the summary redone.
            slots.update(return_checked_order=None, return_order_items=None, return_quote=None,
                         return_confirmed=None)
        return slots

    async def validate_return_items(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        mentions = value if isinstance(value, list) else [value]
        items = tracker.get_slot("return_order_items")
        if not items:
            return {"return_items": mentions}  # resolved once the order is checked
        matched = match_items(mentions, items)
        skus = [i["sku"] for i in matched if not i["final_sale"]]
        if not skus:
            final = [i for i in matched if i["final_sale"]]
            if final:
                utter(dispatcher, "utter_return_item_final_sale", items=item_label(final))
            else:
                utter(dispatcher, "utter_return_item_unknown")
            return {"return_items": None}
        return {"return_items": skus, "return_quote": None, "return_confirmed": None}

    async def validate_return_reason(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        reason = " ".join(str(value or "").split())[:MAX_REASON_CHARS]
        if len(reason) < 2 or ORDER_NUMBER.fullmatch(reason):
            utter(dispatcher, "utter_return_reason_unclear")
            return {"return_reason": None}
        return {"return_reason": reason}

    async def validate_return_condition(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        condition = text if text in CONDITIONS else next(
            (name for name, pattern in CONDITION_WORDS if pattern.search(text)), None)
        if not condition:
            utter(dispatcher, "utter_return_condition_unclear")
            return {"return_condition": None}
        return {"return_condition": condition, "return_quote": None, "return_confirmed": None}

    async def validate_return_refund_method(self, value: Any, dispatcher: CollectingDispatcher,
                                            tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        method = text if text in REFUND_METHODS else (
            "store_credit" if CREDIT_WORDS.search(text)
            else "original_payment" if CARD_WORDS.search(text) else None)
        if not method:
            utter(dispatcher, "utter_return_refund_method_unclear")
            return {"return_refund_method": None}
        return {"return_refund_method": method, "return_quote": None, "return_confirmed": None}

    async def validate_return_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.yes_or_no_answer(dispatcher, "return_confirmed", value, "utter_return_confirm_unclear")

    # -- once verified: the order's facts checked once, the quote once all is known --

    async def after_validation(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        found = await self._check_order(dispatcher, tracker)
        tracker.slots.update(found)
        found.update(await self._quote(dispatcher, tracker))
        return found

    @staticmethod
    def _stopped(tracker: Tracker) -> bool:
        return bool(tracker.get_slot("backend_down") or tracker.get_slot("return_ineligible")
                    or not verified_customer(tracker) or not tracker.get_slot("order_id"))

    async def _check_order(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        order_id = tracker.get_slot("order_id")
        if self._stopped(tracker) or tracker.get_slot("return_checked_order") == order_id:
            return {}
        try:
            order = await clients.crm().get_order(order_id)
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return {"order_id": None}
        except BackendError as error:
            return outage(dispatcher, tracker, error, f"checking order {order_id} for a return")
        if order.get("customer_id") != verified_customer(tracker):
            utter(dispatcher, "utter_order_not_on_account", order_id=order_id)
            return {"order_id": None}
        items = order_items(order)
        found: Dict[Text, Any] = {"return_checked_order": order_id, "return_order_items": items,
                                  "return_quote": None, "return_confirmed": None}
        code = ineligibility(order)
        if code:
            return {**found, "return_ineligible": code}
        choices = returnable(items)
        wanted = tracker.get_slot("return_items") or []
        skus = [i["sku"] for i in match_items(wanted, choices)] if wanted else []
        if len(choices) == 1:
            skus = [choices[0]["sku"]]  # nothing to choose
        return {**found, "return_items": skus or None}

    async def _quote(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        needed = ("return_items", "return_condition", "return_refund_method")
        if self._stopped(tracker) or tracker.get_slot("return_quote") \
                or not all(tracker.get_slot(s) for s in needed) \
                or tracker.get_slot("return_checked_order") != tracker.get_slot("order_id"):
            return {}
        order_id = tracker.get_slot("order_id")
        try:
            quote = await clients.crm().quote_return(
                order_id, list(tracker.get_slot("return_items")),
                tracker.get_slot("return_condition"), tracker.get_slot("return_refund_method"))
        except Rejected as refusal:
            return {"return_ineligible": refusal.code, **refused_items(refusal, tracker)}
        except (NotFound, BackendError) as error:
            if isinstance(error, NotFound):
                error = BackendError("crm", f"quote for order {order_id} not found")
            return outage(dispatcher, tracker, error, f"quoting the return of order {order_id}")
        return {"return_quote": quote, "return_confirmed": None}
