"""Handoff packages of customers who write in Spanish or German, as the bot
sends them (actions/handoff_context.py), for the inbox's language tests."""
from __future__ import annotations

import time
from typing import Any, Dict, Optional


def spanish_package(sender_id: str = "+34600111222", now: Optional[float] = None,
                    input_channel: str = "whatsapp") -> Dict[str, Any]:
    """Lucía asks, in Spanish, when shipping is free, about her shipped order 10231."""
    now = now or time.time()
    return {
        "sender_id": sender_id, "input_channel": input_channel, "queue": "orders", "status": "waiting",
        "language": "es", "reason": "Customer asked for a person",
        "summary": "Customer asked for a person; order 10231 (shipped, Backpack, $89.00)",
        "transcript": [
            {"role": "customer", "text": "hola, dónde está mi pedido 10231?", "timestamp": now - 120},
            {"role": "bot", "text": "El pedido 10231 (Backpack) está en camino con UPS.", "timestamp": now - 118},
            {"role": "customer", "text": "y el envío a partir de cuánto es gratis?", "timestamp": now - 60},
        ],
        "context": {
            "language": "es",
            "customer": {"id": "C001", "name": "Lucía Fernández", "email": "lucia@example.com"},
            "order": {"id": "10231", "status": "shipped", "total": "89.00", "carrier": "UPS",
                      "tracking_number": "1Z999AA10123456784", "estimated_delivery": "2026-12-05",
                      "items": [{"sku": "BAG-028", "name": "Backpack", "qty": 1, "price": "89.00"}]},
            "main_request": "track_order",
        },
    }


def german_package(sender_id: str = "+4915100000001", now: Optional[float] = None) -> Dict[str, Any]:
    now = now or time.time()
    return {
        "sender_id": sender_id, "input_channel": "whatsapp", "queue": "general", "status": "waiting",
        "language": "de", "reason": "Customer writes in German", "summary": "Customer writes in German",
        "transcript": [{"role": "customer", "text": "Ich möchte mit einem Menschen sprechen",
                        "timestamp": now - 30}],
        "context": {"language": "de"},
    }
