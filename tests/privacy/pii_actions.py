"""An action that logs what real actions log (a customer's email, phone and a
backend error with a card number), for the action-server redaction test."""
import logging

from rasa_sdk import Action

logger = logging.getLogger("actions.pii")


class ActionLogCustomer(Action):
    def name(self):
        return "action_log_customer"

    async def run(self, dispatcher, tracker, domain):
        logger.info("verifying %s for sender %s", tracker.get_slot("customer_email"),
                    tracker.sender_id)
        try:
            raise RuntimeError(f"billing rejected card {tracker.get_slot('card')}")
        except RuntimeError:
            logger.exception("backend failure for %s", tracker.get_slot("customer_email"))
        dispatcher.utter_message(text="done")
        return []
