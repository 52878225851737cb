"""action_submit_return: creates the confirmed return (RMA, prepaid label sent
to the email on file), or explains why there is none. Refunds over $500 are
created (the CRM makes them pending_approval) and handed to a person."""
from __future__ import annotations

from decimal import Decimal
from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.clients.base import BackendError, NotFound, Rejected
from actions.shared.common import backend_failure, idempotency_key, mask_email, money, verified_customer
from actions.shared.messages import utter
from actions.returns.eligibility import explain_ineligible, item_label, order_items, refused_items
from actions.shared.verification import unverified_outcome

# Slots of one return; cleared when it is done so the next return starts fresh.
RETURN_SLOTS = ("return_items", "return_reason", "return_condition", "return_refund_method",
                "return_confirmed", "return_order_items", "return_checked_order",
                "return_quote", "return_ineligible")


class ActionSubmitReturn(NamedAction, action="action_submit_return"):
    """Creates the confirmed return, or explains why there is none."""

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
        if tracker.get_slot("return_confirmed") is not True:
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
            tracker.slots.update(refused_items(refusal, tracker))
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
            approval = {"kind": "refund", "subject_id": refund.get("id"), "order_id": order_id,
                        "amount": str(created.get("refund_amount")), "reason": body["reason"],
                        "refund_method": refund.get("method") or method, "rma": created.get("rma")}
            # order_id stays: the handoff shows the agent the order.
            return self._done(keep_order=True) + [SlotSet("handoff_reason", reason),
                                                  SlotSet("approval_request", approval),
                                                  FollowupAction("action_handoff")]
        utter(dispatcher, "utter_return_created_" + ("store_credit" if credit else "card"), **facts)
        return self._done()
