"""Account requests: password reset, deletion, edits, newsletter, new accounts.

Each form but creation is verified at account level: its proof is an
AccountProof (actions/shared/account_verification.py: channel identity, or a
one-time code to the account's email). Every fact and change goes through
the CRM client, and every change carries an idempotency key. One module per
request.
"""
from actions.account.creation import ActionCreateAccount, ValidateCreateAccountForm
from actions.account.deletion import ActionDeleteAccount, ValidateDeleteAccountForm
from actions.account.editing import ActionAskAccountNewValue, ActionEditAccount, ValidateEditAccountForm
from actions.account.newsletter import ActionSetNewsletter, ValidateNewsletterForm
from actions.account.password import ActionSendPasswordReset, ValidatePasswordResetForm

__all__ = ["ActionAskAccountNewValue", "ActionCreateAccount", "ActionDeleteAccount", "ActionEditAccount",
           "ActionSendPasswordReset", "ActionSetNewsletter", "ValidateCreateAccountForm",
           "ValidateDeleteAccountForm", "ValidateEditAccountForm", "ValidateNewsletterForm",
           "ValidatePasswordResetForm"]
