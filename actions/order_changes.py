"""Cancelling and changing orders, and where to place a new one.

    cancel_order            -> cancel_order_form   -> action_cancel_order
    change_shipping_address -> change_address_form -> action_change_address
    set_up_shipping_address -> change_address_form (no order named: how addresses are set up)
    change_order            -> change_order_form   -> action_change_order
    place_order             -> action_place_order_info

Every form first takes the order number and verifies the customer
(`OrderFormValidation`). Once the order is known, its status decides the path:
only an order that hasn't shipped is shown and confirmed before it is changed;
any other order ends the form and the action explains what is possible
instead (track it, return it, ask the carrier or a person). The backend's
answer to the change itself is the final word: its 409 codes
(`order_already_shipped`, `order_already_cancelled`) pick the explanation.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.clients.base import BackendError, Json, NotFound, Rejected
from actions.common import (INTERRUPTIONS, backend_failure, friendly_date, idempotency_key,
                            latest_intent)
from actions.messages import utter
from actions.orders import unverified_outcome
from actions.switching import REQUEST_STARTERS
from actions.verification import EMAIL, ORDER_NUMBER, OrderFormValidation, verified_customer

CHANGEABLE = "processing"  # the only status in which an order can be cancelled or re-addressed
ORDER_FACTS = ("order_change_status", "order_change_summary", "order_change_address")
ORDER_WORD = re.compile(r"\border\b", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{2,}")
LEAD_IN = re.compile(r"^(?:(?:no|nope|sorry|actually|oops|wait|instead|please|pls|ok|okay|it'?s|it is|"
                     r"make it|change it to|send it to|deliver (?:it )?to|the new address is|new address)"
                     r"\b[\s,:.!-]*)+", re.IGNORECASE)


# --- small helpers shared with actions/invoices.py ------------------------------

def money(amount: Any) -> str:
    """'60.00' -> '$60.00' (amounts come from the backends as decimal strings)."""
    try:
        return f"${Decimal(str(amount)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(amount)


def order_summary(order: Json) -> str:
    """'Cast Iron Skillet 12in, $60.00' (quantities above one: '2 x Glass Water Bottle')."""
    names = []
    for item in order.get("items", []):
        name = item.get("name") or item.get("sku") or "item"
        qty = item.get("qty") or 1
        names.append(f"{qty} x {name}" if qty > 1 else name)
    return f"{', '.join(names) or 'your items'}, {money(order.get('total'))}"


def refund_method(method: Optional[str]) -> str:
    """Billing's method name as a customer reads it: 'your Visa ending 4242'."""
    if not method or method.lower() in ("original payment method", "original_payment"):
        return "your original payment method"
    return method if method.lower().startswith("harbor") else f"your {method}"


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def mentioned_order(tracker: Tracker) -> Optional[str]:
    """An order number in the latest message (entity or digits), if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "order_id" and entity.get("value"):
            found = ORDER_NUMBER.search(str(entity["value"]))
            if found:
                return found.group(1)
    found = ORDER_NUMBER.search(latest_text(tracker))
    return found.group(1) if found else None


def looks_like_address(text: str) -> bool:
    """A street address rather than an order number or a question: a number
    and at least two words, no question mark, no 'order'."""
    text = text.strip()
    if not (8 <= len(text) <= 300) or "?" in text or "@" in text or ORDER_WORD.search(text):
        return False
    return bool(re.search(r"\d", text)) and len(WORD.findall(text)) >= 2


def clean_address(text: str) -> str:
    """'no, 351 W 42nd St, New York' -> '351 W 42nd St, New York'."""
    return LEAD_IN.sub("", " ".join(str(text).split())).strip()


def other_request(tracker: Tracker, form: str) -> bool:
    """The latest message starts another request (action_switch_request takes it)."""
    target = REQUEST_STARTERS.get(latest_intent(tracker))
    return bool(target) and target != form


def value_before_latest_message(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the customer's latest message was processed."""
    before_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            before_user = True
        elif before_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def order_before(tracker: Tracker) -> Optional[str]:
    """The order the conversation was about before the latest message."""
    return value_before_latest_message(tracker, "order_id") or tracker.get_slot("order_id")


def activating(tracker: Tracker, form: str) -> bool:
    """True while a form validates the slots it found already filled when it started."""
    return (tracker.active_loop or {}).get("name") != form


def return_path(order: Json, today: Optional[dt.date] = None) -> Dict[str, Any]:
    """Facts for the 'return it instead' messages of a delivered order."""
    ends = order.get("return_window_ends")
    today = today or dt.date.today()
    window_open = bool(ends) and dt.date.fromisoformat(ends[:10]) >= today
    return {"delivered_on": friendly_date(order.get("delivered_at")),
            "return_until": friendly_date(ends), "window_open": window_open}


async def verified_order(dispatcher: CollectingDispatcher, tracker: Tracker,
                         doing: str) -> Tuple[Optional[Json], List[EventType]]:
    """The form's order, fetched fresh, if it belongs to the verified customer.

    Otherwise (not verified, outage already explained, unknown or someone
    else's order) says why and returns the events that end the flow.
    """
    order_id = tracker.get_slot("order_id")
    customer_id = verified_customer(tracker)
    if tracker.get_slot("backend_down") or not (customer_id and order_id):
        return None, unverified_outcome(dispatcher, tracker)
    try:
        order = await clients.crm().get_order(order_id)
    except NotFound:
        utter(dispatcher, "utter_order_not_found", order_id=order_id)
        return None, [SlotSet("order_id", None)]
    except BackendError as error:
        return None, backend_failure(dispatcher, tracker, error, f"{doing} order {order_id}")
    if order.get("customer_id") != customer_id:
        utter(dispatcher, "utter_order_not_on_account", order_id=order_id)
        return None, [SlotSet("order_id", None)]
    return order, []


def forget(*slots: str) -> List[EventType]:
    """Resets a flow's own slots so the next request starts clean."""
    return [SlotSet(slot, None) for slot in (*ORDER_FACTS, *slots)]


# --- form validation --------------------------------------------------------------

class OrderChangeValidation(OrderFormValidation):
    """Order number and verification (base class), then the order's facts.

    `change_slots` are asked only while the order can still be changed; the
    last of them is `confirm_slot`, a yes/no question with buttons.
    """

    change_slots: Tuple[str, ...] = ()
    confirm_slot: Optional[str] = None
    yes_intents = frozenset({"affirm"})

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if (slots and verified_customer(tracker) and tracker.get_slot("order_id")
                and tracker.get_slot("order_change_status") != CHANGEABLE):
            # Shipped, delivered or cancelled: nothing to ask, the action explains.
            return [slot for slot in slots if slot not in self.change_slots]
        return slots

    # -- the order number, also as a correction later in the form --

    async def extract_customer_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if other_request(tracker, self.form_name()):
            return {}  # "actually, where is my package?" is no email address
        return await super().extract_customer_email(dispatcher, tracker, domain)

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        requested = tracker.get_slot("requested_slot")
        if other_request(tracker, self.form_name()) and not mentioned_order(tracker):
            return {}
        if requested == "order_id":
            return await super().extract_order_id(dispatcher, tracker, domain)
        text = latest_text(tracker)
        found = ORDER_NUMBER.search(text)
        if (requested in (*self.change_slots, "customer_email") and found
                and not looks_like_address(text) and not EMAIL.search(text)
                and found.group(1) != order_before(tracker)):
            return {"order_id": found.group(1)}  # "sorry, I meant order 10235"
        return {}

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"order_id": None}
        previous = value_before_latest_message(tracker, "order_id")
        if (previous and tracker.get_slot("requested_slot") in self.change_slots
                and looks_like_address(latest_text(tracker))):
            # A house number or postcode the NLU took for an order number.
            return {"order_id": previous}
        slots = await super().validate_order_id(value, dispatcher, tracker, domain)
        order_id = slots.get("order_id")
        if not order_id or slots.get("backend_down"):
            return slots
        try:
            order = await clients.crm().get_order(order_id)
        except NotFound:
            return {"order_id": None}
        except BackendError as error:
            return self._outage(dispatcher, tracker, error, order_id)
        slots.update(order_change_status=order.get("status"),
                     order_change_summary=order_summary(order),
                     order_change_address=order.get("shipping_address") or "")
        if self.confirm_slot and order_id != previous:
            slots[self.confirm_slot] = None  # a yes for another order is no yes for this one
        return slots

    # -- yes / no --

    def confirmation(self, tracker: Tracker) -> Dict[Text, Any]:
        """The answer to the confirmation question, if it was just asked."""
        slot = self.confirm_slot
        if not slot or tracker.get_slot("requested_slot") != slot:
            return {}
        text = latest_text(tracker)
        found = ORDER_NUMBER.search(text)
        if found and found.group(1) != order_before(tracker) and not looks_like_address(text):
            return {}  # another order number: a correction, see extract_order_id
        intent = latest_intent(tracker)
        if intent in self.yes_intents:
            return {slot: True}
        if intent == "deny":
            return {slot: False}
        if intent in INTERRUPTIONS or other_request(tracker, self.form_name()):
            return {}  # a question or another request: the rules handle it
        return {slot: None}  # neither yes nor no: the question is asked again

    def validate_confirmation(self, value: Any, tracker: Tracker) -> Dict[Text, Any]:
        slot = self.confirm_slot
        fresh = (tracker.get_slot("requested_slot") == slot
                 and not activating(tracker, self.form_name()))
        order_changed = ("order_id" in tracker.slots_to_validate()
                         and tracker.get_slot("order_id") != value_before_latest_message(tracker, "order_id"))
        if not fresh or order_changed or not isinstance(value, bool):
            return {slot: None}  # only an answer to this question, for this order, counts
        return {slot: value}


class ValidateCancelOrderForm(OrderChangeValidation):
    change_slots = ("cancel_confirmed",)
    confirm_slot = "cancel_confirmed"
    yes_intents = frozenset({"affirm", "cancel_order"})  # "yes, cancel it"

    def name(self) -> Text:
        return "validate_cancel_order_form"

    async def extract_cancel_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        return self.confirmation(tracker)

    async def validate_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.validate_confirmation(value, tracker)


def setting_up_address(tracker: Tracker) -> bool:
    """'How do I add an address?' without an order: explained, no form questions."""
    return latest_intent(tracker) == "set_up_shipping_address" and not mentioned_order(tracker)


class ValidateChangeAddressForm(OrderChangeValidation):
    change_slots = ("new_shipping_address", "address_confirmed")
    confirm_slot = "address_confirmed"

    def name(self) -> Text:
        return "validate_change_address_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if setting_up_address(tracker) and activating(tracker, self.form_name()):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    async def extract_new_shipping_address(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                           domain: DomainDict) -> Dict[Text, Any]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker).strip()
        if requested in self.change_slots and looks_like_address(text):
            return {"new_shipping_address": clean_address(text)}  # also a correction at the yes/no step
        if requested != "new_shipping_address":
            return {}
        if latest_intent(tracker) in INTERRUPTIONS or other_request(tracker, self.form_name()):
            return {}
        if mentioned_order(tracker) and not looks_like_address(text):
            return {}  # an order number: a correction, see extract_order_id
        return {"new_shipping_address": text}  # validation explains what's missing

    async def validate_new_shipping_address(self, value: Any, dispatcher: CollectingDispatcher,
                                            tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None or activating(tracker, self.form_name()):
            return {"new_shipping_address": None}  # left over from an earlier request
        address = clean_address(value)
        if not looks_like_address(address) or len(WORD.findall(address)) < 3:
            utter(dispatcher, "utter_invalid_shipping_address")
            return {"new_shipping_address": None}
        return {"new_shipping_address": address, "address_confirmed": None}

    async def extract_address_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        if looks_like_address(latest_text(tracker)):
            return {}  # a corrected address, asked to confirm again
        return self.confirmation(tracker)

    async def validate_address_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.validate_confirmation(value, tracker)


class ValidateChangeOrderForm(OrderChangeValidation):
    def name(self) -> Text:
        return "validate_change_order_form"


# --- what happens once a form is complete -------------------------------------------

class ActionCancelOrder(Action):
    """Cancels a confirmed, unshipped order (refund to the original payment
    method); otherwise explains what is possible instead."""

    def name(self) -> Text:
        return "action_cancel_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = forget("cancel_confirmed")
        order, events = await verified_order(dispatcher, tracker, "cancelling")
        if order is None:
            return events + done
        order_id = order["id"]
        if tracker.get_slot("cancel_confirmed") is not True:
            if order.get("status") != CHANGEABLE:  # never asked: the form ended on the status
                return await self.explain(dispatcher, tracker, order) + done
            utter(dispatcher, "utter_order_kept", order_id=order_id)
            return done
        try:
            cancelled = await clients.crm().cancel_order(
                order_id, idempotency_key(tracker, f"cancel-order-{order_id}"))
        except Rejected as refusal:
            return await self.refused(dispatcher, tracker, order, refusal) + done
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"cancelling order {order_id}") + done
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return done
        self.confirm_refund(dispatcher, order_id, cancelled.get("refund"))
        return done

    @staticmethod
    def confirm_refund(dispatcher: CollectingDispatcher, order_id: str, refund: Optional[Json]) -> None:
        if not refund:
            utter(dispatcher, "utter_order_cancelled_no_refund", order_id=order_id)
            return
        message = {"issued": "utter_order_cancelled_refund_issued",
                   "pending_approval": "utter_order_cancelled_refund_pending_approval"}
        utter(dispatcher, message.get(refund.get("status"), "utter_order_cancelled_refund_other"),
              order_id=order_id, amount=money(refund.get("amount")),
              method=refund_method(refund.get("method")),
              days=refund.get("expected_business_days") or "5-7")

    async def refused(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Json,
                      refusal: Rejected) -> List[EventType]:
        """The service said no: its code says why (and the fresh order says what next)."""
        if refusal.code not in ("order_already_shipped", "order_already_cancelled"):
            utter(dispatcher, "utter_cancel_refused", order_id=order["id"], reason=refusal.message)
            return [SlotSet("handoff_reason", f"Cancelling order {order['id']} was refused: {refusal.code}")]
        try:
            order = await clients.crm().get_order(order["id"])
        except (BackendError, NotFound):
            pass  # the code alone is enough to explain
        status = "cancelled" if refusal.code == "order_already_cancelled" else (
            order.get("status") if order.get("status") in ("shipped", "delivered") else "shipped")
        return await self.explain(dispatcher, tracker, {**order, "status": status})

    async def explain(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      order: Json) -> List[EventType]:
        """Why this order can't be cancelled, and what the customer can do instead."""
        order_id, status = order["id"], order.get("status")
        if status == "shipped":
            utter(dispatcher, "utter_cancel_shipped", order_id=order_id)
            return []
        if status == "delivered":
            facts = return_path(order)
            if facts.pop("window_open"):
                utter(dispatcher, "utter_cancel_delivered", order_id=order_id, **facts)
                return []
            utter(dispatcher, "utter_cancel_delivered_window_over", order_id=order_id, **facts)
            return [SlotSet("handoff_reason", f"Wants to cancel order {order_id}, delivered and "
                                              "outside the return window")]
        if status == "cancelled":
            utter(dispatcher, "utter_cancel_already_cancelled", order_id=order_id)
            return await self.refund_status(dispatcher, tracker, order_id)
        utter(dispatcher, "utter_order_status_other", order_id=order_id, status=status)
        return []

    @staticmethod
    async def refund_status(dispatcher: CollectingDispatcher, tracker: Tracker,
                            order_id: str) -> List[EventType]:
        try:
            refunds = await clients.billing().refunds(order_id=order_id)
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"checking the refund of order {order_id}")
        refunds = [r for r in refunds if r.get("reason") in (None, "cancellation")] or refunds
        if not refunds:
            utter(dispatcher, "utter_cancelled_no_refund")
            return [SlotSet("handoff_reason", f"Order {order_id} is cancelled but shows no refund")]
        refund = refunds[-1]
        status = refund.get("status")
        message = {"issued": "utter_cancelled_refund_issued",
                   "processing": "utter_cancelled_refund_processing",
                   "pending_approval": "utter_cancelled_refund_pending_approval"}
        utter(dispatcher, message.get(status, "utter_cancelled_refund_other"),
              amount=money(refund.get("amount")), method=refund_method(refund.get("method")),
              days=refund.get("expected_business_days") or "5-7", status=str(status).replace("_", " "))
        return []


class ActionChangeAddress(Action):
    """Changes the delivery address of a confirmed, unshipped order."""

    def name(self) -> Text:
        return "action_change_address"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = forget("new_shipping_address", "address_confirmed")
        if setting_up_address(tracker):
            utter(dispatcher, "utter_address_setup_info")
            return [SlotSet("backend_down", None)] if tracker.get_slot("backend_down") else []
        order, events = await verified_order(dispatcher, tracker, "changing the address of")
        if order is None:
            return events + done
        order_id, address = order["id"], tracker.get_slot("new_shipping_address")
        if order.get("status") != CHANGEABLE or not address:
            return self.explain(dispatcher, order) + done
        if tracker.get_slot("address_confirmed") is not True:
            utter(dispatcher, "utter_address_kept", order_id=order_id,
                  address=order.get("shipping_address") or "the address on the order")
            return done
        try:
            changed = await clients.crm().change_shipping_address(
                order_id, address, idempotency_key(tracker, f"change-address-{order_id}"))
        except Rejected as refusal:  # the service's code decides, the fresh order adds facts
            try:
                order = await clients.crm().get_order(order_id)
            except (BackendError, NotFound):
                pass
            status = "cancelled" if refusal.code == "order_already_cancelled" else (
                order.get("status") if order.get("status") in ("shipped", "delivered") else "shipped")
            return self.explain(dispatcher, {**order, "status": status}) + done
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"changing the address of order {order_id}") + done
        except NotFound:
            utter(dispatcher, "utter_order_not_found", order_id=order_id)
            return done
        utter(dispatcher, "utter_address_changed", order_id=order_id,
              address=changed.get("shipping_address") or address)
        return done

    @staticmethod
    def explain(dispatcher: CollectingDispatcher, order: Json) -> List[EventType]:
        order_id, status = order["id"], order.get("status")
        if status == "shipped":
            utter(dispatcher, "utter_address_shipped", order_id=order_id,
                  carrier=order.get("carrier") or "the carrier",
                  tracking_number=order.get("tracking_number") or "on your shipping email")
            return [SlotSet("handoff_reason", f"Wants to change the delivery address of shipped "
                                              f"order {order_id}")]
        if status == "delivered":
            utter(dispatcher, "utter_address_delivered", order_id=order_id,
                  delivered_on=friendly_date(order.get("delivered_at")))
            return []
        if status == "cancelled":
            utter(dispatcher, "utter_address_order_cancelled", order_id=order_id)
            return []
        utter(dispatcher, "utter_order_status_other", order_id=order_id, status=status)
        return []


class ActionChangeOrder(Action):
    """The API can't change items: cancel and re-order (free before shipping),
    a person, or the return path once it has shipped."""

    def name(self) -> Text:
        return "action_change_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = forget()
        order, events = await verified_order(dispatcher, tracker, "changing")
        if order is None:
            return events + done
        order_id, status = order["id"], order.get("status")
        if status == CHANGEABLE:
            utter(dispatcher, "utter_change_order_options", order_id=order_id,
                  summary=order_summary(order))
            return done + [SlotSet("handoff_reason", f"Wants to change the items of order {order_id} "
                                                     "(not shipped yet)")]
        if status == "shipped":
            utter(dispatcher, "utter_change_order_shipped", order_id=order_id)
        elif status == "delivered":
            facts = return_path(order)
            if not facts.pop("window_open"):
                utter(dispatcher, "utter_change_order_delivered_window_over", order_id=order_id, **facts)
                return done + [SlotSet("handoff_reason", f"Wants to change delivered order {order_id}, "
                                                         "outside the return window")]
            utter(dispatcher, "utter_change_order_delivered", order_id=order_id, **facts)
        elif status == "cancelled":
            utter(dispatcher, "utter_change_order_cancelled", order_id=order_id)
        else:
            utter(dispatcher, "utter_order_status_other", order_id=order_id, status=status)
        return done


class ActionPlaceOrderInfo(Action):
    """Where and how to order, with the payment methods billing accepts."""

    def name(self) -> Text:
        return "action_place_order_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        try:
            methods = await clients.billing().payment_methods()
        except BackendError:
            methods = []  # the rest of the answer doesn't need the backend
        if methods:
            listed = ", ".join(methods[:-1]) + (" and " if len(methods) > 1 else "") + methods[-1]
            utter(dispatcher, "utter_place_order_info", methods=listed)
        else:
            utter(dispatcher, "utter_place_order_info_no_methods")
        utter(dispatcher, "utter_delivery_choices")
        return []
