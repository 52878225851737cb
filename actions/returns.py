"""Returns and refund requests.

return_form (validate_return_form) asks, one question at a time: the order
(verified once per conversation, OrderFormValidation), which item(s) (skipped
when only one item can be returned), the reason, whether it arrived damaged,
defective or wrong, and the refund method; then action_ask_return_confirmed
shows the CRM's quote and asks to confirm, and action_submit_return creates the
return (RMA and prepaid label) or explains why the order cannot be returned.

Eligibility is checked as soon as the order is known *and* the customer is
verified (the order's status is personal data), from the order's facts; the
CRM enforces the same rules again at quote and creation. An ineligible order
ends the form (slot `return_ineligible`); the submit action explains the rule
and offers the alternative. Refunds over $500 are created (the CRM makes them
pending_approval) and handed to a person.

refund_request_form (validate_refund_request_form) asks for the order and
verifies; action_refund_request then looks at the facts: a duplicate charge
goes to the duplicate-charge flow, an existing refund gets its status, a
delivered order is offered a return, an undelivered one its options.
"""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.billing import refund_message
from actions.clients.base import BackendError, Json, NotFound, Rejected
from actions.common import backend_failure, friendly_date, idempotency_key, latest_intent
from actions.messages import utter
from actions.orders import unverified_outcome
from actions.switching import REQUEST_STARTERS
from actions.verification import ORDER_NUMBER, OrderFormValidation, verified_customer

# Intents answered by action_answer_policy while a form waits (data/rules/returns.yml).
POLICY_QUESTIONS = {"check_refund_policy", "ask_return_policy", "delivery_options",
                    "delivery_period", "check_payment_methods", "check_cancellation_fee",
                    "ask_support_hours"}
# Not answers to any question of the return form (requests and policy questions
# are let through to the rules by InterruptibleOrderForm). A low-confidence
# message (nlu_fallback, out_of_scope) may well answer: "both", "none of these".
NOT_ANSWERS = {"stop", "greet", "goodbye", "thank_you", "bot_challenge"} | POLICY_QUESTIONS
CONDITIONS = ("damaged", "defective", "wrong_item", "none")
FREE_CONDITIONS = {"damaged", "defective", "wrong_item"}
REFUND_METHODS = ("original_payment", "store_credit")
# What the free return shipping is owed to, in the summary.
FREE_BECAUSE = {"damaged": "it arrived damaged", "defective": "it's defective",
                "wrong_item": "we sent the wrong item"}
# return_reason entity values (data/nlu/entities.yml synonyms) in plain words.
REASON_WORDS = {"damaged": "arrived damaged", "defective": "defective",
                "wrong_item": "wrong item sent", "doesnt_fit": "doesn't fit",
                "changed_mind": "changed my mind"}
# Slots of one return; cleared when it is done so the next return starts fresh.
RETURN_SLOTS = ("return_items", "return_reason", "return_condition", "return_refund_method",
                "return_confirmed", "return_order_items", "return_checked_order",
                "return_quote", "return_ineligible")
MAX_REASON_CHARS = 300

ALL_WORDS = re.compile(r"\b(all|both|everything|every item|each)\b", re.I)
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
            "fourth": 3, "4th": 3}
STOP_WORDS = {"the", "and", "my", "one", "item", "items", "just", "only", "please", "return",
              "from", "order", "it", "this", "that", "a", "an", "of", "for"}
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


# --- small helpers ---------------------------------------------------------------

def money(value: Any) -> str:
    """'113.05' -> '$113.05' (the CRM's decimal strings, as customers read them)."""
    try:
        return f"${Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def mask_email(email: Optional[str]) -> str:
    """'maya.patel@example.com' -> 'm***@example.com'."""
    local, at, domain = (email or "").partition("@")
    if not at:
        return "the email on your account"
    return f"{local[:1]}***@{domain}"


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities", [])
            if e.get("entity") == entity and e.get("value") not in (None, "")]


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def answering_latest_message(tracker: Tracker, form: str) -> bool:
    """True when the form runs on the customer's latest message, False when it
    resumes after another action (e.g. a policy answer) on an old message."""
    seen_form = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind != "action":
            continue
        name = event.get("name")
        if name in ("action_listen", "action_extract_slots"):
            continue
        if name == form and not seen_form:
            seen_form = True  # the form's own run, added by Rasa before validating
            continue
        return False
    return True


def slot_before_latest_message(tracker: Tracker, slot: str) -> Any:
    """The value a slot had before the latest customer message was processed."""
    value = before = None
    for event in tracker.events:
        if event.get("event") == "user":
            before = value
        elif event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
    return before


def order_items(order: Json) -> List[Json]:
    return [{"sku": i.get("sku"), "name": i.get("name") or i.get("sku"), "qty": int(i.get("qty") or 1),
             "price": i.get("price"), "final_sale": bool(i.get("final_sale"))}
            for i in order.get("items", [])]


def returnable(items: Iterable[Json]) -> List[Json]:
    return [i for i in items if not i.get("final_sale")]


def item_label(items: Iterable[Json]) -> str:
    parts = [f"{i['qty']} x {i['name']}" if int(i.get("qty") or 1) > 1 else i["name"] for i in items]
    return " and ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " and " + parts[-1]


def words(text: str) -> set:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in STOP_WORDS}


def match_items(mentions: Iterable[str], items: List[Json]) -> List[Json]:
    """The order items the customer's words name: SKUs (button payloads), names
    or parts of names ("the tote"), ordinals ("the second one") or "both"/"all"."""
    found: List[Json] = []
    for mention in mentions:
        text = str(mention or "").strip()
        if not text:
            continue
        if ALL_WORDS.search(text):
            return list(items)
        lowered = text.lower()
        hits = [i for i in items if lowered == str(i["sku"]).lower()]
        hits = hits or [i for i in items if lowered in i["name"].lower() or i["name"].lower() in lowered]
        hits = hits or [i for i in items if words(text) & words(i["name"])]
        if not hits and lowered.isdigit() and 0 < int(lowered) <= len(items):
            hits = [items[int(lowered) - 1]]  # "2": the second button
        if not hits:
            for token in re.findall(r"[a-z0-9]+", lowered):
                if token in ORDINALS and ORDINALS[token] < len(items):
                    hits = [items[ORDINALS[token]]]
                    break
        found += [i for i in hits if i not in found]
    return found


def ineligibility(order: Json, today: Optional[date] = None) -> Optional[str]:
    """Why an order cannot be returned at all (the CRM's codes), from its facts."""
    status = order.get("status")
    if status == "cancelled":
        return "cancelled"
    if status != "delivered" or not order.get("delivered_at"):
        return "not_delivered"
    ends = order.get("return_window_ends")
    if ends and (today or date.today()) > date.fromisoformat(ends[:10]):
        return "return_window_expired"
    if not returnable(order_items(order)):
        return "final_sale"
    return None


def explain_ineligible(dispatcher: CollectingDispatcher, code: str, order: Json,
                       items: Optional[List[Json]] = None) -> Optional[str]:
    """Tells the customer the rule and the alternative; returns a handoff reason
    when the alternative is a person."""
    order_id = order.get("id")
    if code == "not_delivered":
        response = ("utter_return_not_delivered_processing" if order.get("status") == "processing"
                    else "utter_return_not_delivered_shipped")
        utter(dispatcher, response, order_id=order_id,
              eta=friendly_date(order.get("estimated_delivery")))
        return None
    if code == "cancelled":
        utter(dispatcher, "utter_return_order_cancelled", order_id=order_id)
        return None
    if code == "return_window_expired":
        utter(dispatcher, "utter_return_window_expired", order_id=order_id,
              delivered_on=friendly_date(order.get("delivered_at")),
              window_end=friendly_date(order.get("return_window_ends")))
        return (f"Return of order {order_id} refused: the 30-day return window closed on "
                f"{order.get('return_window_ends')}")
    if code == "final_sale":
        final = [i for i in order_items(order) if i["final_sale"]] or order_items(order)
        utter(dispatcher, "utter_return_final_sale", items=item_label(final), order_id=order_id)
        return f"Return of order {order_id} refused: {item_label(final)} is final sale"
    label = item_label(items or order_items(order))
    utter(dispatcher, "utter_return_already_returned", items=label, order_id=order_id)
    return f"Return of order {order_id} refused: {label} already returned"


def refused_items(refusal: Rejected, tracker: Tracker) -> List[EventType]:
    """Narrows the items to the one the CRM refused, when it names it
    ("SWT-MER-M: 1 already returned"), so the explanation names the right item."""
    named = re.match(r"\s*([A-Z0-9][A-Z0-9-]*):", refusal.message or "")
    chosen = tracker.get_slot("return_items") or []
    if named and named.group(1) in chosen and len(chosen) > 1:
        return [SlotSet("return_items", [named.group(1)])]
    return []


# --- forms: shared interruption handling -------------------------------------------

class InterruptibleOrderForm(OrderFormValidation):
    """An order form that lets policy questions, "stop" and other requests
    through to the rules, even when the message also carries an entity that a
    global slot mapping already picked up (e.g. "where is order 10231?")."""

    own_intents: Tuple[str, ...] = ()

    def answers_the_question(self, tracker: Tracker) -> bool:
        """Whether the latest message, despite its intent, answers the slot asked
        ("where's 10232?" when asked for the order number is the number)."""
        asked = tracker.get_slot("requested_slot")
        return ((asked == "order_id" and bool(entity_values(tracker, "order_id")))
                or (asked == "customer_email" and bool(entity_values(tracker, "email"))))

    def interrupts(self, tracker: Tracker) -> bool:
        if not tracker.active_loop.get("name") == self.form_name():
            return False
        if not answering_latest_message(tracker, self.form_name()):
            return False
        intent = latest_intent(tracker)
        if intent in self.own_intents:
            return False
        request = intent in REQUEST_STARTERS
        if not (intent == "stop" or intent in POLICY_QUESTIONS or request):
            return False
        return not (request and self.answers_the_question(tracker))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if self.interrupts(tracker):
            events: List[EventType] = [ActionExecutionRejected(self.form_name())]
            if latest_intent(tracker) not in REQUEST_STARTERS:
                # An order number in a question isn't an answer: keep the old one.
                before = slot_before_latest_message(tracker, "order_id")
                if before != tracker.get_slot("order_id"):
                    events.append(SlotSet("order_id", before))
            return events
        return await super().run(dispatcher, tracker, domain)


# --- the return form -------------------------------------------------------------------

class ValidateReturnForm(InterruptibleOrderForm):
    own_intents = ("return_item",)

    def name(self) -> Text:
        return "validate_return_form"

    def answers_the_question(self, tracker: Tracker) -> bool:
        # "refund to my card" may read as get_refund; "it's broken, terrible" as complaint.
        asked = tracker.get_slot("requested_slot")
        entities = {e.get("entity") for e in tracker.latest_message.get("entities", [])}
        return super().answers_the_question(tracker) or (
            (asked == "return_refund_method" and "refund_method" in entities)
            or (asked in ("return_reason", "return_condition") and "return_reason" in entities)
            or (asked == "return_items" and "product" in entities))

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("return_ineligible"):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    # -- extraction: each slot takes only what answers it --

    def _may_extract(self, tracker: Tracker) -> bool:
        intent = latest_intent(tracker)
        return intent not in NOT_ANSWERS and (
            intent in self.own_intents or intent not in REQUEST_STARTERS
            or self.answers_the_question(tracker))

    def _asked(self, tracker: Tracker, slot: str) -> bool:
        return (tracker.get_slot("requested_slot") == slot
                and answering_latest_message(tracker, self.form_name()))

    @staticmethod
    def _corrects_order(tracker: Tracker) -> bool:
        return bool(entity_values(tracker, "order_id"))

    async def extract_return_items(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        if not self._may_extract(tracker):
            return {}
        products = entity_values(tracker, "product")
        if self._asked(tracker, "return_items") and not self._corrects_order(tracker):
            text = latest_text(tracker)
            mentions = products or ([text] if text else [])
            return {"return_items": mentions} if mentions else {}
        if products and not tracker.get_slot("return_items"):
            return {"return_items": products}  # volunteered ("return my sweater")
        return {}

    async def extract_return_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        if not self._may_extract(tracker):
            return {}
        reasons = entity_values(tracker, "return_reason")
        if self._asked(tracker, "return_reason"):
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
        if not self._may_extract(tracker):
            return {}
        reasons = entity_values(tracker, "return_reason")
        free = [r for r in reasons if r in FREE_CONDITIONS]
        if free:
            return {"return_condition": free[0]}  # "it arrived cracked" says it all
        if not self._asked(tracker, "return_condition") or self._corrects_order(tracker):
            return {}
        if reasons or latest_intent(tracker) == "deny":
            return {"return_condition": "none"}  # "it doesn't fit", "no", "None of these"
        text = latest_text(tracker)
        return {"return_condition": text} if text else {}

    async def extract_return_refund_method(self, dispatcher: CollectingDispatcher,
                                           tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if not self._may_extract(tracker):
            return {}
        methods = [m for m in entity_values(tracker, "refund_method") if m in REFUND_METHODS]
        if methods:
            return {"return_refund_method": methods[0]}
        if self._asked(tracker, "return_refund_method") and not self._corrects_order(tracker):
            text = latest_text(tracker)
            return {"return_refund_method": text} if text else {}
        return {}

    async def extract_return_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        if not self._asked(tracker, "return_confirmed") or not self._may_extract(tracker):
            return {}
        changes = {"order_id", "product", "return_reason", "refund_method"}
        if any(e.get("entity") in changes for e in tracker.latest_message.get("entities", [])):
            return {}  # "store credit instead": the summary is shown again
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"return_confirmed": "yes"}
        if intent == "deny":
            return {"return_confirmed": "no"}
        text = latest_text(tracker)
        return {"return_confirmed": text} if text else {}

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
        if value in ("yes", "no"):
            return {"return_confirmed": value}
        utter(dispatcher, "utter_return_confirm_unclear")
        return {"return_confirmed": None}

    # -- after each turn: check the order once it's verified, quote once all is known --

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        more = await self._check_order(dispatcher, tracker)
        tracker.add_slots(more)
        more += await self._quote(dispatcher, tracker)
        return events + more

    def _stopped(self, tracker: Tracker) -> bool:
        return bool(tracker.get_slot("backend_down") or tracker.get_slot("return_ineligible")
                    or not verified_customer(tracker) or not tracker.get_slot("order_id"))

    @staticmethod
    def _failure(dispatcher: CollectingDispatcher, tracker: Tracker,
                 error: BackendError, doing: str) -> List[EventType]:
        return backend_failure(dispatcher, tracker, error, doing) + [SlotSet("backend_down", True)]

    async def _check_order(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        order_id = tracker.get_slot("order_id")
        if self._stopped(tracker) or tracker.get_slot("return_checked_order") == order_id:
            return []
        try:
            order = await clients.crm().get_order(order_id)
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return [SlotSet("order_id", None)]
        except BackendError as error:
            return self._failure(dispatcher, tracker, error, f"checking order {order_id} for a return")
        if order.get("customer_id") != verified_customer(tracker):
            utter(dispatcher, "utter_order_not_on_account", order_id=order_id)
            return [SlotSet("order_id", None)]
        items = order_items(order)
        events: List[EventType] = [SlotSet("return_checked_order", order_id),
                                   SlotSet("return_order_items", items),
                                   SlotSet("return_quote", None), SlotSet("return_confirmed", None)]
        code = ineligibility(order)
        if code:
            return events + [SlotSet("return_ineligible", code)]
        choices = returnable(items)
        wanted = tracker.get_slot("return_items") or []
        skus = [i["sku"] for i in match_items(wanted, choices)] if wanted else []
        if len(choices) == 1:
            skus = [choices[0]["sku"]]  # nothing to choose
        return events + [SlotSet("return_items", skus or None)]

    async def _quote(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        needed = ("return_items", "return_condition", "return_refund_method")
        if self._stopped(tracker) or tracker.get_slot("return_quote") \
                or not all(tracker.get_slot(s) for s in needed) \
                or tracker.get_slot("return_checked_order") != tracker.get_slot("order_id"):
            return []
        order_id = tracker.get_slot("order_id")
        try:
            quote = await clients.crm().quote_return(
                order_id, list(tracker.get_slot("return_items")),
                tracker.get_slot("return_condition"), tracker.get_slot("return_refund_method"))
        except Rejected as refusal:
            return [SlotSet("return_ineligible", refusal.code)] + refused_items(refusal, tracker)
        except (NotFound, BackendError) as error:
            if isinstance(error, NotFound):
                error = BackendError("crm", f"quote for order {order_id} not found")
            return self._failure(dispatcher, tracker, error, f"quoting the return of order {order_id}")
        return [SlotSet("return_quote", quote), SlotSet("return_confirmed", None)]


class ActionAskReturnItems(Action):
    """Which item: one button per returnable item of the order, and "all"."""

    def name(self) -> Text:
        return "action_ask_return_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        choices = returnable(tracker.get_slot("return_order_items") or [])
        buttons = [{"title": i["name"], "payload": "/inform" + json.dumps(
            {"product": i["sku"]}, separators=(",", ":"))} for i in choices]
        if len(choices) > 1:
            buttons.append({"title": "All of them", "payload": '/inform{"product":"all"}'})
        utter(dispatcher, "utter_return_which_item", extra_buttons=buttons)
        return []


class ActionAskReturnConfirmed(Action):
    """The summary with the CRM's amounts, and the question whether to go ahead."""

    def name(self) -> Text:
        return "action_ask_return_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        quote = tracker.get_slot("return_quote") or {}
        if not quote:
            utter(dispatcher, "utter_return_confirm_unclear")
            return []
        if quote.get("refund_status") == "pending_approval":
            utter(dispatcher, "utter_return_summary_needs_approval")
        summary = summary_message(quote)
        utter(dispatcher, summary.pop("message"), **summary)
        return []


def summary_message(quote: Json) -> Dict[str, Any]:
    """The message and its values for a quote from `GET /returns/quote`."""
    fee = Decimal(str(quote.get("fee") or "0"))
    bonus = Decimal(str(quote.get("store_credit_bonus") or "0"))
    refund = Decimal(str(quote.get("refund_amount") or "0"))
    credit = quote.get("refund_method") == "store_credit"
    name = "utter_return_summary_{}_{}".format("credit" if credit else "card",
                                               "fee" if fee > 0 else "free")
    return {"message": name, "items": item_label(quote.get("items", [])),
            "refund": money(refund), "fee": money(fee), "bonus": money(bonus),
            "net": money(refund - bonus),
            "free_because": FREE_BECAUSE.get(quote.get("condition"), "it's on us")}


class ActionSubmitReturn(Action):
    """Creates the confirmed return, or explains why there is none."""

    def name(self) -> Text:
        return "action_submit_return"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        order_id = tracker.get_slot("order_id")
        if not (verified_customer(tracker) and order_id):
            return unverified_outcome(dispatcher, tracker) + self._done()
        if tracker.get_slot("backend_down"):
            return [SlotSet("backend_down", None)] + self._done()  # already explained
        code = tracker.get_slot("return_ineligible")
        if code:
            return await self._explain(dispatcher, tracker, code, order_id)
        if tracker.get_slot("return_confirmed") != "yes":
            utter(dispatcher, "utter_return_not_created")
            return self._done()
        return await self._create(dispatcher, tracker, order_id)

    @staticmethod
    def _done(keep_order: bool = False) -> List[EventType]:
        events: List[EventType] = [SlotSet(slot, None) for slot in RETURN_SLOTS]
        return events if keep_order else events + [SlotSet("order_id", None)]

    async def _explain(self, dispatcher: CollectingDispatcher, tracker: Tracker, code: str,
                       order_id: str) -> List[EventType]:
        try:
            order = await clients.crm().get_order(order_id)
        except (BackendError, NotFound) as error:
            if isinstance(error, NotFound):
                error = BackendError("crm", f"order {order_id} vanished")
            return backend_failure(dispatcher, tracker, error, f"explaining the return of order {order_id}") \
                + self._done()
        items = [i for i in order_items(order) if i["sku"] in (tracker.get_slot("return_items") or [])]
        reason = explain_ineligible(dispatcher, code, order, items)
        return self._done() + ([SlotSet("handoff_reason", reason)] if reason else [])

    async def _create(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      order_id: str) -> List[EventType]:
        skus = list(tracker.get_slot("return_items") or [])
        qty = {i["sku"]: i["qty"] for i in tracker.get_slot("return_order_items") or []}
        condition = tracker.get_slot("return_condition")
        method = tracker.get_slot("return_refund_method")
        body = {"order_id": order_id, "items": [{"sku": s, "qty": qty.get(s, 1)} for s in skus],
                "reason": tracker.get_slot("return_reason") or "not given",
                "condition": condition, "refund_method": method}
        key = idempotency_key(tracker, f"return:{order_id}:{','.join(skus)}:{condition}:{method}")
        try:
            created = await clients.crm().create_return(body, key)
        except Rejected as refusal:
            tracker.add_slots(refused_items(refusal, tracker))
            return await self._explain(dispatcher, tracker, refusal.code, order_id)
        except (BackendError, NotFound) as error:
            if isinstance(error, NotFound):
                error = BackendError("crm", f"order {order_id} not found when creating the return")
            return backend_failure(dispatcher, tracker, error, f"creating the return of order {order_id}") \
                + self._done()
        refund = created.get("refund") or {}
        facts = {"rma": created.get("rma"), "email": mask_email(created.get("label_sent_to")),
                 "refund": money(created.get("refund_amount")),
                 "bonus": money(created.get("store_credit_bonus")),
                 "method": refund.get("method") or "original payment method"}
        credit = method == "store_credit"
        if refund.get("status") == "pending_approval":
            utter(dispatcher, "utter_return_needs_approval_" + ("store_credit" if credit else "card"),
                  **facts)
            items = created.get("items") or []
            total = created.get("items_total") or sum(
                (Decimal(str(i.get("price") or 0)) * int(i.get("qty") or 1) for i in items), Decimal(0))
            reason = (f"Return {created.get('rma')} of order {order_id}, {item_label(items)}, "
                      f"{money(total)}: refund of {money(created.get('refund_amount'))} over $500 "
                      f"needs approval (refund {refund.get('id')})")
            # order_id stays: the handoff shows the agent the order.
            return self._done(keep_order=True) + [SlotSet("handoff_reason", reason),
                                                  FollowupAction("action_handoff")]
        utter(dispatcher, "utter_return_created_" + ("store_credit" if credit else "card"), **facts)
        return self._done()


# --- refund requests ------------------------------------------------------------------

class ValidateRefundRequestForm(InterruptibleOrderForm):
    own_intents = ("get_refund",)

    def name(self) -> Text:
        return "validate_refund_request_form"


class ActionRefundRequest(Action):
    """Answers "I want a refund" from the order's facts."""

    def name(self) -> Text:
        return "action_refund_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        order_id = tracker.get_slot("order_id")
        if not (verified_customer(tracker) and order_id):
            return unverified_outcome(dispatcher, tracker)
        try:
            order = await clients.crm().get_order(order_id)
            payments = await clients.billing().payments(order_id=order_id)
            refunds = await clients.billing().refunds(order_id=order_id)
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return [SlotSet("order_id", None)]
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"looking up refunds of order {order_id}")
        if order.get("customer_id") != verified_customer(tracker):
            utter(dispatcher, "utter_order_not_on_account", order_id=order_id)
            return [SlotSet("order_id", None)]

        duplicates = [p for p in payments if p.get("duplicate_of") and p.get("status") != "refunded"]
        if duplicates:
            charge = duplicates[0]
            if "duplicate_charge_form" in (domain.get("forms") or {}):
                return [FollowupAction("duplicate_charge_form")]  # it names the charge itself
            utter(dispatcher, "utter_refund_request_duplicate_charge", order_id=order_id,
                  amount=money(charge.get("amount")), method=charge.get("method") or "card")
            utter(dispatcher, "utter_offer_human")
            return [SlotSet("handoff_reason", f"Duplicate charge {charge.get('id')} on order {order_id} "
                                              f"({money(charge.get('amount'))}) to refund")]
        if refunds:
            for refund in refunds[-3:]:  # said as the refund-status flow says it
                facts = refund_message(refund)
                utter(dispatcher, facts.pop("message"), **facts)
            return []
        status = order.get("status")
        if status == "delivered":
            code = ineligibility(order)
            if code:
                reason = explain_ineligible(dispatcher, code, order)
                return [SlotSet("handoff_reason", reason)] if reason else []
            utter(dispatcher, "utter_refund_request_via_return", order_id=order_id,
                  window_end=friendly_date(order.get("return_window_ends")))
            return []
        if status == "cancelled":
            utter(dispatcher, "utter_refund_request_cancelled_none_yet", order_id=order_id)
            return [SlotSet("handoff_reason", f"Order {order_id} was cancelled but has no refund")]
        if status == "processing":
            utter(dispatcher, "utter_refund_request_not_shipped", order_id=order_id)
            return []
        utter(dispatcher, "utter_refund_request_in_transit", order_id=order_id,
              eta=friendly_date(order.get("estimated_delivery")))
        return []
