"""Billing: refund status, duplicate charges and payment problems.

- refunds.py: track_refund_form -> action_track_refund, and `refund_message`,
  how every flow says where a refund is;
- duplicates.py: duplicate_charge_form -> action_refund_duplicate_charge;
- payments.py: payment_issue_form -> action_payment_issue.

Every form steps aside for policy questions, other requests and "stop"
(actions/shared/forms.py); the flow's rules answer, switch or stop.
"""
from actions.billing.duplicates import (ActionAskDuplicateRefundConfirmed, ActionRefundDuplicateCharge,
                                        ValidateDuplicateChargeForm, duplicate_finding)
from actions.billing.payments import ActionPaymentIssue, ValidatePaymentIssueForm, payment_problem_in
from actions.billing.refunds import (ActionTrackRefund, ValidateTrackRefundForm, business_days,
                                     refund_message)

__all__ = ["ActionAskDuplicateRefundConfirmed", "ActionPaymentIssue", "ActionRefundDuplicateCharge",
           "ActionTrackRefund", "ValidateDuplicateChargeForm", "ValidatePaymentIssueForm",
           "ValidateTrackRefundForm", "business_days", "duplicate_finding", "payment_problem_in",
           "refund_message"]
