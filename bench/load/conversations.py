"""The customers the load benchmark plays: realistic scripts over the REST
channel, each a new conversation (sender id) with the demo store's data.
Only right answers: a wrong email would lock the demo order for everyone."""
from __future__ import annotations

from typing import Dict, List

HARBOR: Dict[str, List[str]] = {
    "verified tracking": ["hi", "where is my order 10231?", "maya.patel@example.com", "thanks"],
    "policy questions": ["what is your return policy?", "how long does delivery take?",
                         "which payment methods do you accept?"],
    "refund status": ["where is my refund for order 10237", "sofia.rossi@example.com"],
    "returns quote": ["I'd like to return something from order 10232", "maya.patel@example.com", "stop"],
}

# The vanilla `rasa init` bot's own domain (greet, mood, goodbye).
VANILLA: Dict[str, List[str]] = {
    "moodbot": ["hi", "I am sad", "yes", "bye"],
    "moodbot happy": ["hello there", "great", "goodbye"],
}
