"""Helpers every test folder shares; test modules and conftest files import
from here, never from each other.

- procs.py: start real servers on free ports, `wait_for` (poll, fail on timeout)
- stack.py: the whole assistant for end-to-end tests (Rasa, actions, CRM, inbox)
- make_run.py: `make run` as a user runs it
- trackers.py: `says(...)`, trackers where the customer says X with intent Y while form Z asks for S
- dispatch.py: what a CollectingDispatcher was given (names, texts, buttons, payloads)
- events.py: slot values out of returned events
- domain.py: the domain loaded from domain/*.yml, a form's required slots
- crm.py: the demo CRM's latest one-time code, unlocking verification
- channels.py: signed webhook posts, the channel secrets, the channel harness and fake provider API
- channel_harness.py, fake_meta_api.py, recorder.py: small servers the tests start
- payloads.py: WhatsApp, Messenger and Twilio webhook bodies as the providers send them
- callback.py: a customer on Rasa's callback channel
- inbox.py: start the inbox, log in, hand off, call its API; broker events of a paused conversation
- browser.py: the inbox's pages in headless Chromium
- databases.py: PostgreSQL and Redis for the scale-out tests
- rasa_events.py: conversations written by Rasa's own tracker store, for analytics and privacy
- heldout.py: the NLU held-out sets (English, Spanish, other languages) and their near-copy check
- languages.py: handoff packages of Spanish- and German-speaking customers
"""
