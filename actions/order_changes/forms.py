"""The forms that cancel or change an order: the order number and the customer
verified (OrderProof), then the order's facts decide. Only an order
that hasn't shipped is asked about (the new address, a yes/no confirmation);
any other order ends the form and the action explains what is possible.
A different order number later in the form is a correction; a house number or
postcode in an address is not."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clients
from actions.clients.base import BackendError, NotFound
from actions.shared.common import latest_intent, latest_text, outage, verified_customer
from actions.shared.forms import (EMAIL, CustomerForm, activating, mentioned_order, order_number,
                                  slot_before_latest_message)
from actions.shared.messages import utter
from actions.order_changes.facts import (CHANGEABLE, WORD, clean_address, looks_like_address, order_before,
                                         order_summary)
from actions.shared.verification import OrderProof


class OrderChangeValidation(CustomerForm):
    """Order number and verification (the proof), then the order's facts.

    `change_slots` are asked only while the order can still be changed; the
    last of them is `confirm_slot`, a yes/no question with buttons.
    """

    proof = OrderProof()

    change_slots: Tuple[str, ...] = ()
    confirm_slot: Optional[str] = None
    yes_intents: Tuple[str, ...] = ("affirm",)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if (slots and verified_customer(tracker) and tracker.get_slot("order_id")
                and tracker.get_slot("order_change_status") != CHANGEABLE):
            # Shipped, delivered or cancelled: nothing to ask, the action explains.
            return [slot for slot in slots if slot not in self.change_slots]
        return slots

    # -- the order number, also as a correction later in the form --

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        requested = tracker.get_slot("requested_slot")
        if requested == "order_id":
            return await super().extract_order_id(dispatcher, tracker, domain)
        text = latest_text(tracker)
        found = order_number(text)
        if (requested in (*self.change_slots, "customer_email") and found
                and not looks_like_address(text) and not EMAIL.search(text)
                and found != order_before(tracker)):
            return {"order_id": found}  # "sorry, I meant order 10235"
        return {}

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"order_id": None}
        previous = slot_before_latest_message(tracker, "order_id")
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
            return {"order_id": order_id, **outage(dispatcher, tracker, error, f"looking up order {order_id}")}
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
        found = order_number(text)
        if found and found != order_before(tracker) and not looks_like_address(text):
            return {}  # another order number: a correction, see extract_order_id
        return self.yes_or_no(tracker, slot, yes_intents=self.yes_intents)

    def validate_confirmation(self, value: Any, tracker: Tracker) -> Dict[Text, Any]:
        slot = self.confirm_slot
        fresh = (tracker.get_slot("requested_slot") == slot
                 and not activating(tracker, self.form_name()))
        order_changed = ("order_id" in tracker.slots_to_validate()
                         and tracker.get_slot("order_id") != slot_before_latest_message(tracker, "order_id"))
        if not fresh or order_changed or not isinstance(value, bool):
            return {slot: None}  # only an answer to this question, for this order, counts
        return {slot: value}


class ValidateCancelOrderForm(OrderChangeValidation, form="cancel_order_form"):
    change_slots = ("cancel_confirmed",)
    confirm_slot = "cancel_confirmed"
    yes_intents = ("affirm", "cancel_order")  # "yes, cancel it"

    async def extract_cancel_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        return self.confirmation(tracker)

    async def validate_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.validate_confirmation(value, tracker)


def setting_up_address(tracker: Tracker) -> bool:
    """'How do I add an address?' without an order: explained, no form questions."""
    return latest_intent(tracker) == "set_up_shipping_address" and not mentioned_order(tracker)


class ValidateChangeAddressForm(OrderChangeValidation, form="change_address_form"):
    change_slots = ("new_shipping_address", "address_confirmed")
    confirm_slot = "address_confirmed"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if setting_up_address(tracker) and activating(tracker, self.form_name()):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    async def extract_new_shipping_address(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                           domain: DomainDict) -> Dict[Text, Any]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if requested in self.change_slots and looks_like_address(text):
            return {"new_shipping_address": clean_address(text)}  # also a correction at the yes/no step
        if requested != "new_shipping_address":
            return {}
        if self.not_an_answer(tracker):
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


class ValidateChangeOrderForm(OrderChangeValidation, form="change_order_form"):
    """Order number and verification, then the order's facts; the action explains what can change."""
