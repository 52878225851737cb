"""Harbor's production messaging channels for Rasa (WhatsApp Cloud API,
WhatsApp through Twilio, Facebook Messenger) and the registry the agent inbox
uses to send agent replies. See docs/channels.md."""
