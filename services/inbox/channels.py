"""Agent replies leave through the channel the customer wrote on.

The channel work (WhatsApp/Messenger windows, templates, the HUMAN_AGENT tag,
callback) lives in `addons.channels.registry`; this module turns its answers
into what the agent needs to know: can I reply, and if not, why.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from addons.channels import registry


def _closed_message(status: Dict[str, Any]) -> str:
    closed = f" (closed {status['closes_at']})" if status.get("closes_at") else ""
    if status.get("fallback") == "human_agent_tag":
        return (f"The 24-hour window is over{closed}. Your reply goes out with Messenger's "
                "HUMAN_AGENT tag, allowed up to 7 days after the customer's last message.")
    if status.get("fallback") == "template":
        return (f"The 24-hour WhatsApp window is over{closed}. Sending delivers an approved "
                "template asking the customer to write back, not your text.")
    return (f"The customer's messaging window is closed{closed}. They must write again "
            "before you can reply.")


def cannot_push_message(input_channel: str) -> str:
    return (f"The {input_channel} channel cannot push messages: answer by email (see "
            "Customer) and close, or release the conversation to the bot.")


async def window_status(input_channel: str, recipient_id: str) -> Dict[str, Any]:
    """The registry's {"open", "closes_at", "fallback"} plus "can_push", "can_reply" and
    a "message" for the page's notice (None when there is nothing to say)."""
    if registry.output_channel_for(input_channel) is None:
        return {"open": False, "closes_at": None, "fallback": None, "can_push": False,
                "can_reply": False, "message": cannot_push_message(input_channel)}
    status = dict(await registry.window_status(input_channel, recipient_id))
    status["can_push"] = True
    status["can_reply"] = bool(status.get("open") or status.get("fallback"))
    status["message"] = None if status.get("open") else _closed_message(status)
    return status


async def send_agent_text(input_channel: str, recipient_id: str, text: str) -> Dict[str, Any]:
    """{"sent", "error", "fallback", ...}; the registry never raises."""
    return dict(await registry.send_agent_text(input_channel, recipient_id, text))


def template_sent(result: Dict[str, Any]) -> Optional[str]:
    """A note for the transcript when a template went out instead of the agent's text."""
    if not result.get("sent") and result.get("fallback") == "template":
        return "Window closed: WhatsApp template sent inviting the customer to write back."
    return None
