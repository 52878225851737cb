"""What every flow shares: the registry of requests (requests.py), form steps
(forms.py), proving who the customer is (verification.py for one order,
account_verification.py for the account), following a switch to another
request (switching.py), form questions (asking.py), the texts actions send
(messages.py, reading actions/messages/*.yml) and small helpers (common.py).
Flows live beside this package, one folder or module per area."""
