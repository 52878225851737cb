"""Returns and refund requests.

- forms.py: return_form (validate_return_form): the order, the customer
  verified, which item(s), the reason, the condition, the refund method;
- summary.py: the item buttons and the quote shown before confirming;
- submit.py: action_submit_return, the return (RMA, label) or why not;
- eligibility.py: what can be returned, from the order's facts, and how a
  refusal is explained;
- refund_request.py: refund_request_form -> action_refund_request.
"""
from actions.returns.forms import ValidateReturnForm
from actions.returns.refund_request import ActionRefundRequest, ValidateRefundRequestForm
from actions.returns.submit import ActionSubmitReturn
from actions.returns.summary import ActionAskReturnConfirmed, ActionAskReturnItems, summary_message

__all__ = ["ActionAskReturnConfirmed", "ActionAskReturnItems", "ActionRefundRequest", "ActionSubmitReturn",
           "ValidateRefundRequestForm", "ValidateReturnForm", "summary_message"]
