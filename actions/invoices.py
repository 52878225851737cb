"""Invoices: show one, email a copy, or list a verified customer's invoices.

    check_invoice / get_invoice -> invoice_form -> action_show_invoice
    "yes" to the offered copy                   -> action_email_invoice

The form takes an invoice number (INV-10232) or an order number and verifies
the customer through that order (its proof, `OrderProof`: channel identity or
the email on the order). An invoice of another customer is reported as "not on
your account", never shown. A verified customer who names no invoice or order
when checking invoices gets their latest invoices as buttons.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.clients.base import BackendError, Json, NotFound
from actions.shared.common import (backend_failure, friendly_date, idempotency_key, latest_intent, latest_text,
                                   mask_email, money, order_customer, outage, verified_customer,
                                   account_customer)
from actions.shared.forms import CustomerForm, EMAIL, activating, mentioned_order, order_number
from actions.shared.messages import utter
from actions.shared.verification import OrderProof, unverified_outcome

INVOICE_NUMBER = re.compile(r"(?<![\w-])inv[-\s]?(\d{3,12})(?![\w-])", re.IGNORECASE)
MAX_LISTED = 5


def invoice_number(value: Any) -> Optional[str]:
    """'inv10232', 'INV 10232', 'INV-10232' -> 'INV-10232'."""
    found = INVOICE_NUMBER.search(str(value or ""))
    return f"INV-{found.group(1)}" if found else None


def mentioned_invoice(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "invoice_id" and invoice_number(entity.get("value")):
            return invoice_number(entity.get("value"))
    return invoice_number(latest_text(tracker))


def named_order(tracker: Tracker) -> Optional[str]:
    """An order number in the latest message that isn't part of an invoice number."""
    order_id, invoice_id = mentioned_order(tracker), mentioned_invoice(tracker)
    if order_id and invoice_id and invoice_id.endswith(order_id):
        return None
    return order_id


def wants_list(tracker: Tracker) -> bool:
    """'Show me my invoices' from a verified customer, naming no invoice or order."""
    return (latest_intent(tracker) == "check_invoice" and bool(account_customer(tracker))
            and not mentioned_invoice(tracker) and not named_order(tracker))


class ValidateInvoiceForm(CustomerForm, form="invoice_form"):
    proof = OrderProof()

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if account_customer(tracker) and (
                (activating(tracker, self.form_name()) and wants_list(tracker))
                or not (tracker.get_slot("order_id") or tracker.get_slot("invoice_id"))):
            return []  # the action lists the customer's invoices
        return slots

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Optional[EventType]:
        # invoice_id is taken when given, never asked for: the question is the order number.
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        missing = [slot for slot in required if slot != "invoice_id" and tracker.slots.get(slot) is None]
        return SlotSet("requested_slot", missing[0] if missing else None)

    # -- extraction --

    async def extract_invoice_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> Dict[Text, Any]:
        invoice_id = invoice_number(latest_text(tracker))
        return {"invoice_id": invoice_id} if invoice_id else {}

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        text = latest_text(tracker)
        if invoice_number(text):
            return {}  # an invoice number: extract_invoice_id takes it
        found = order_number(text)
        if (tracker.get_slot("requested_slot") == "customer_email" and found and not EMAIL.search(text)
                and found != tracker.get_slot("order_id")):
            return {"order_id": found}  # "sorry, I meant order 10233"
        return await super().extract_order_id(dispatcher, tracker, domain)

    # -- validation: the latest message wins over what an earlier request left --

    async def validate_invoice_id(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"invoice_id": None}
        if named_order(tracker) and not mentioned_invoice(tracker):
            return {"invoice_id": None}  # the customer now names an order instead
        invoice_id = invoice_number(value)
        if not invoice_id:
            utter(dispatcher, "utter_invalid_invoice_id")
            return {"invoice_id": None}
        try:
            invoice = await clients.billing().get_invoice(invoice_id)
        except NotFound:
            utter(dispatcher, "utter_invoice_not_found", invoice_id=invoice_id)
            return {"invoice_id": None}
        except BackendError as error:
            return {"invoice_id": invoice_id, **outage(dispatcher, tracker, error, f"looking up invoice {invoice_id}")}
        current = verified_customer(tracker)
        if current and invoice.get("customer_id") != current:
            utter(dispatcher, "utter_invoice_not_on_account", invoice_id=invoice_id)
            return {"invoice_id": None}
        # The invoice's order verifies the customer, like an order number would.
        slots = await super().validate_order_id(invoice.get("order_id"), dispatcher, tracker, domain)
        if not slots.get("order_id"):
            return {**slots, "invoice_id": None}
        return {**slots, "invoice_id": invoice_id}

    async def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is None:
            return {"order_id": None}
        if mentioned_invoice(tracker) and not named_order(tracker):
            return {}  # the invoice's own order is set by validate_invoice_id
        slots = await super().validate_order_id(value, dispatcher, tracker, domain)
        if named_order(tracker) and not mentioned_invoice(tracker):
            slots["invoice_id"] = None  # an invoice named before belongs to another request
        return slots


class ActionShowInvoice(NamedAction, action="action_show_invoice"):
    """Shows the invoice and offers a copy by email, or lists the customer's invoices."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id = verified_customer(tracker)
        invoice_id, order_id = tracker.get_slot("invoice_id"), tracker.get_slot("order_id")
        if tracker.get_slot("backend_down") or not customer_id:
            return unverified_outcome(dispatcher, tracker) + [SlotSet("invoice_id", None)]
        try:
            if wants_list(tracker):
                # "Show me my invoices": a list, whatever an earlier request left behind.
                return await self.list_invoices(dispatcher, tracker, customer_id)
            if invoice_id:
                invoice: Optional[Json] = await clients.billing().get_invoice(invoice_id)
            elif order_id:
                found = await clients.billing().invoices(order_id=order_id)
                invoice = found[-1] if found else None
            elif account_customer(tracker):
                return await self.list_invoices(dispatcher, tracker, customer_id)
            else:  # one order proven: its invoice, never the whole list
                return unverified_outcome(dispatcher, tracker) + [SlotSet("invoice_id", None)]
        except NotFound:
            utter(dispatcher, "utter_invoice_not_found", invoice_id=invoice_id)
            return [SlotSet("invoice_id", None)]
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error,
                                   f"looking up the invoice {invoice_id or 'of order ' + str(order_id)}")
        if invoice is None:
            utter(dispatcher, "utter_invoice_missing_for_order", order_id=order_id)
            return [SlotSet("handoff_reason", f"Asked for the invoice of order {order_id}; "
                                              "none found in billing")]
        if (invoice.get("customer_id") != customer_id
                or order_customer(tracker, invoice.get("order_id")) != customer_id):
            # Never another customer's invoice, nor one of an order not proven, whatever the slots say.
            utter(dispatcher, "utter_invoice_not_on_account", invoice_id=invoice.get("id"))
            return [SlotSet("invoice_id", None)]
        utter(dispatcher, "utter_invoice_details", invoice_id=invoice["id"],
              order_id=invoice.get("order_id"), amount=money(invoice.get("amount")),
              status=invoice.get("status") or "unknown", issued_on=friendly_date(invoice.get("issued_at")),
              email=mask_email(tracker.get_slot("customer_email")))
        return [SlotSet("invoice_id", invoice["id"]), SlotSet("order_id", invoice.get("order_id"))]

    @staticmethod
    async def list_invoices(dispatcher: CollectingDispatcher, tracker: Tracker,
                            customer_id: str) -> List[EventType]:
        try:
            invoices = await clients.billing().invoices(customer_id=customer_id)
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, "listing the customer's invoices")
        invoices = [i for i in invoices if i.get("customer_id") == customer_id]
        if not invoices:
            utter(dispatcher, "utter_no_invoices")
            return []
        newest = sorted(invoices, key=lambda i: (i.get("issued_at") or "", i.get("id")), reverse=True)
        buttons = [{"title": f"{i['id']} · order {i.get('order_id')} · {money(i.get('amount'))}",
                    "payload": f'/get_invoice{{"invoice_id":"{i["id"]}"}}'}
                   for i in newest[:MAX_LISTED]]
        utter(dispatcher, "utter_invoice_list", extra_buttons=buttons)
        return []


class ActionEmailInvoice(NamedAction, action="action_email_invoice"):
    """Emails a copy of the invoice just shown to the email on file."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer_id, invoice_id = verified_customer(tracker), tracker.get_slot("invoice_id")
        if not (customer_id and invoice_id):
            utter(dispatcher, "utter_invoice_which")
            return []
        try:
            invoice = await clients.billing().get_invoice(invoice_id)
            if (invoice.get("customer_id") != customer_id
                    or order_customer(tracker, invoice.get("order_id")) != customer_id):
                utter(dispatcher, "utter_invoice_not_on_account", invoice_id=invoice_id)
                return [SlotSet("invoice_id", None)]
            sent = await clients.billing().email_invoice(
                invoice_id, idempotency_key(tracker, f"email-invoice-{invoice_id}"))
        except NotFound:
            utter(dispatcher, "utter_invoice_not_found", invoice_id=invoice_id)
            return [SlotSet("invoice_id", None)]
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"emailing invoice {invoice_id}")
        utter(dispatcher, "utter_invoice_emailed", invoice_id=invoice_id,
              email=mask_email(sent.get("sent_to")))
        return [SlotSet("invoice_id", None)]
