"""The newsletter: newsletter_form (account verification, then subscribe or
unsubscribe, read from the message when it says) -> action_set_newsletter."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.shared.naming import NamedAction
from actions import clients
from actions.shared.forms import CustomerForm
from actions.shared.account_verification import AccountProof, account_unverified
from actions.clients.base import BackendError, Rejected
from actions.shared.common import (backend_failure, idempotency_key, latest_intent, latest_text, mask_email,
                                   offer_person, account_customer)
from actions.shared.messages import utter


UNSUBSCRIBE = re.compile(r"\b(unsub\w*|opt(ing)?[ -]?out|stop|remove|cancel|no more|don'?t want|"
                         r"do not want|leave|quit|turn off|take me off|too many)\b", re.I)
NEWSLETTER_WORDS = re.compile(r"subscri|newsletter", re.I)
SUBSCRIBE = re.compile(r"\b(subscribe|sign (me )?up|join|opt(ing)?[ -]?in|add|get|receive|"
                       r"turn on|start|put me on|i want)\b", re.I)


def newsletter_choice_in(text: str) -> Optional[str]:
    if UNSUBSCRIBE.search(text or ""):
        return "unsubscribe"
    if SUBSCRIBE.search(text or ""):
        return "subscribe"
    return None


class ValidateNewsletterForm(CustomerForm, form="newsletter_form"):
    proof = AccountProof()

    def plainly_answers(self, tracker: Tracker) -> bool:
        # "cancel my subscription" here means the newsletter, not Harbor Plus.
        text = latest_text(tracker)
        return (tracker.get_slot("requested_slot") == "newsletter_choice"
                and bool(NEWSLETTER_WORDS.search(text)) and newsletter_choice_in(text) is not None)

    async def extract_newsletter_choice(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> Dict[Text, Any]:
        asked = tracker.get_slot("requested_slot") == "newsletter_choice"
        opening = latest_intent(tracker) == "newsletter_subscription" and not tracker.get_slot("newsletter_choice")
        if not (asked or opening):
            return {}
        if asked and self.not_an_answer(tracker):
            return {}  # "stop", "never mind", a question: not an answer
        choice = newsletter_choice_in(latest_text(tracker))
        return {"newsletter_choice": choice} if choice else {}


class ActionSetNewsletter(NamedAction, action="action_set_newsletter"):
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet("newsletter_choice", None)]
        customer_id = account_customer(tracker)
        choice = tracker.get_slot("newsletter_choice")
        if not customer_id:
            return account_unverified(dispatcher, tracker, "Newsletter: could not verify the account") + done
        if choice not in ("subscribe", "unsubscribe"):
            return done
        wanted = choice == "subscribe"
        try:
            customer = await clients.crm().get_customer(customer_id)
            if bool(customer.get("newsletter")) == wanted:
                response = "utter_newsletter_already_subscribed" if wanted else "utter_newsletter_already_unsubscribed"
            else:
                customer = await clients.crm().set_newsletter(
                    customer_id, wanted, idempotency_key(tracker, f"newsletter-{choice}"))
                response = "utter_newsletter_subscribed" if wanted else "utter_newsletter_unsubscribed"
        except BackendError as error:
            return backend_failure(dispatcher, tracker, error, f"newsletter: {choice}") + done
        except Rejected as rejected:
            return offer_person(dispatcher, "utter_offer_human", f"Newsletter change refused: {rejected.message}") + done
        utter(dispatcher, response, email=mask_email(customer.get("email")))
        return done
