"""Harbor's custom actions, one module per area of the store's support.

rasa-sdk imports this package; importing the modules below registers their
actions with the action server.
"""
from actions import orders  # noqa: F401
