"""Harbor Plus membership: cancelling, pausing, and what cancelling would cost.

- forms.py: cancel_subscription_form and pause_subscription_form, verified at
  account level, the membership (and the cancellation quote) looked up once;
- cancel.py: action_ask_cancel_subscription_confirmed (the cost, before the
  customer confirms), action_cancel_subscription, action_cancellation_fee;
- pause.py: action_pause_subscription (1 to 3 months, no fee);
- membership.py: the facts and the quote in the customer's words.
"""
from actions.subscriptions.cancel import (ActionAskCancelSubscriptionConfirmed, ActionCancellationFee,
                                          ActionCancelSubscription)
from actions.subscriptions.forms import ValidateCancelSubscriptionForm, ValidatePauseSubscriptionForm
from actions.subscriptions.pause import ActionPauseSubscription

__all__ = ["ActionAskCancelSubscriptionConfirmed", "ActionCancellationFee", "ActionCancelSubscription",
           "ActionPauseSubscription", "ValidateCancelSubscriptionForm", "ValidatePauseSubscriptionForm"]
