"""Harbor agent inbox: where people take over conversations the bot hands off.

`python -m services.inbox` serves the JSON API and the agent page on port 8080
and reads customer messages of paused conversations from Rasa's event broker.
"""
