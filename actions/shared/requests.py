"""The registry of what customers ask for: one entry per intent, written once.

Each entry says what an intent is to the rest of the assistant:
- `kind`: "request" (starts a flow: a form or an action), "policy" (a policy
  question answered in passing, also in the middle of any form), "question"
  (answered by an action of its own; interrupts a form like a request),
  "small_talk", or "other" (answered by a rule; only a title and a team);
- `starts`: the form or action a request starts (what action_switch_request
  follows when the customer changes their mind mid-form); for a policy
  question, the action answering it outside a form (default: the policies,
  action_answer_policy);
- `title`: the button a customer reads when the bot is unsure ("Did you mean…");
- `team`: the inbox queue a handoff about it goes to.

Everything else is derived from it: the switch targets (switching.py), the
interruptions every form steps aside for (forms.py), the fallback buttons
(misc.py), the handoff queues (handoff_context.py) and the generated rules in
data/rules/interruptions.yml (scripts/generate_rules.py, checked by
`make validate`). Adding a request intent: one line here, its NLU examples,
its flow, its tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Tuple


@dataclass(frozen=True)
class Request:
    intent: str
    kind: str
    title: Optional[str] = None
    team: Optional[str] = None
    starts: Optional[str] = None
    # Which knowledge passages (id prefix, knowledge/passages/) speak to this
    # request: a request asked as a question ("can I cancel my order before it
    # ships?") gets that fact before the flow's first question.
    about: Optional[str] = None


REQUESTS: Tuple[Request, ...] = (
    # orders
    Request("track_order", "request", "Track an order", "orders", "track_order_form", about="delivery."),
    Request("cancel_order", "request", "Cancel an order", "orders", "cancel_order_form", about="cancel."),
    Request("change_order", "request", "Change an order", "orders", "change_order_form", about="cancel."),
    Request("change_shipping_address", "request", "Change a delivery address", "orders",
            "change_address_form", about="delivery.change_address"),
    Request("set_up_shipping_address", "other", "Set up a shipping address", "orders"),
    Request("place_order", "question", "Place an order", "orders"),
    Request("delivery_options", "policy", "Delivery options", "orders"),
    Request("delivery_period", "policy", "Delivery times", "orders"),
    # returns and refunds
    Request("return_item", "request", "Return an item", "returns", "return_form", about="returns."),
    Request("get_refund", "request", "Get a refund", "returns", "refund_request_form", about="refunds."),
    Request("ask_return_policy", "policy", "Return policy", "returns"),
    Request("check_refund_policy", "policy", "Refund policy", "returns"),
    # billing
    Request("track_refund", "request", "Check a refund", "billing", "track_refund_form", about="refunds."),
    Request("report_duplicate_charge", "request", "I was charged twice", "billing",
            "duplicate_charge_form", about="refunds.duplicate_charge"),
    Request("payment_issue", "request", "A payment problem", "billing", "payment_issue_form",
            about="payment."),
    Request("check_invoice", "request", "Check an invoice", "billing", "invoice_form"),
    Request("get_invoice", "request", "Get an invoice", "billing", "invoice_form"),
    Request("cancel_subscription", "request", "Cancel Harbor Plus", "billing", "cancel_subscription_form",
            about="plus."),
    Request("pause_subscription", "request", "Pause Harbor Plus", "billing", "pause_subscription_form",
            about="plus."),
    Request("check_payment_methods", "policy", "Payment methods", "billing"),
    Request("check_cancellation_fee", "policy", "Cancellation fees", "billing", "action_cancellation_fee"),
    # account
    Request("recover_password", "request", "Reset my password", "account", "password_reset_form",
            about="accounts.password_reset"),
    Request("delete_account", "request", "Delete my account", "account", "delete_account_form",
            about="accounts.deletion"),
    Request("newsletter_subscription", "request", "Newsletter", "account", "newsletter_form",
            about="accounts.newsletter"),
    Request("edit_account", "request", "Change my account details", "account", "edit_account_form"),
    Request("create_account", "other", "Create an account", "account"),
    Request("switch_account", "other", "Switch accounts", "account"),
    Request("registration_problems", "other", "Problems signing up", "account"),
    # people
    Request("contact_human_agent", "request", "Talk to a person", starts="action_handoff"),
    Request("contact_customer_service", "request", "Contact customer service", starts="action_handoff"),
    Request("complaint", "request", "Make a complaint", starts="action_handoff",
            about="people.complaints"),
    # A language people answer but the bot does not: a person who speaks it.
    Request("other_language", "request", "Talk to a person in my language", starts="action_handoff"),
    Request("ask_support_hours", "policy", "Support hours"),
    # Any other question about the store's rules: the knowledge passages answer
    # (also what addons/nlu/general_questions.py reroutes general questions to).
    Request("ask_policy", "policy", "A question about our policies"),
    Request("review", "other", "Leave feedback"),
    Request("rate", "other"),  # the answer to the satisfaction question (actions/csat.py)
    # small talk
    Request("greet", "small_talk"),
    Request("goodbye", "small_talk"),
    Request("thank_you", "small_talk"),
    Request("bot_challenge", "small_talk"),
)

KINDS = frozenset({"request", "policy", "question", "small_talk", "other"})


def _of_kind(kind: str) -> FrozenSet[str]:
    return frozenset(r.intent for r in REQUESTS if r.kind == kind)


# Intent -> the form (or action) that starts that request.
REQUEST_STARTERS: Dict[str, str] = {r.intent: r.starts for r in REQUESTS if r.kind == "request" and r.starts}
# Policy questions every form answers in passing (action_answer_policy).
POLICY_INTENTS = _of_kind("policy")
# Policy question -> the action that answers it outside a form: the store's
# policies, unless the request names its own (a member's own fee).
POLICY_ANSWERERS: Dict[str, str] = {
    r.intent: r.starts or "action_answer_policy" for r in REQUESTS if r.kind == "policy"}
# Answered by an action of their own (action_place_order_info), not a form.
OTHER_QUESTIONS = _of_kind("question")
SMALL_TALK = _of_kind("small_talk")
# Request intent -> the passages (id prefix) that speak to it.
ABOUT: Dict[str, str] = {r.intent: r.about for r in REQUESTS if r.about}
# Intent -> the button title a customer reads. Intents without one (inform,
# affirm...) are never offered as "did you mean".
INTENT_TITLES: Dict[str, str] = {r.intent: r.title for r in REQUESTS if r.title}
# Inbox queue -> the intents whose handoffs go there (anything else: "general").
QUEUES: Dict[str, FrozenSet[str]] = {
    team: frozenset(r.intent for r in REQUESTS if r.team == team)
    for team in dict.fromkeys(r.team for r in REQUESTS if r.team)}


def starting(form: str) -> FrozenSet[str]:
    """The intents that start `form`: asking for it again is no interruption."""
    return frozenset(intent for intent, starts in REQUEST_STARTERS.items() if starts == form)
