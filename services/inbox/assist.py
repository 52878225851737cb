"""Agent assist: for the customer's latest message, the knowledge passages
that answer it and a suggested reply in the customer's language.

The passages come from the bot's own retriever (actions/knowledge/: the same
passages, ids and scores the bot answers with, Spanish passages for Spanish
customers). The suggestion is put together only from facts: the passage's
own text, the order and customer in the handoff's context package, and a
greeting and closing in the customer's language. The agent edits it before
sending; nothing is sent by itself.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

# The bot's knowledge; imported, not copied, so the agent and the bot always
# quote the same passages (one place per fact).
from actions.knowledge.retriever import ANSWER_THRESHOLD, retriever

Json = Dict[str, Any]
# Languages with passages of their own (knowledge/passages/<code>.yml); the
# others are answered from the English passages, framed in their language.
PASSAGE_LANGUAGES = ("en", "es")
WORDS: Dict[str, Dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("assist.yml")).read_text(encoding="utf-8"))


def passages_for(question: str, language: str, top: int = 3) -> List[Json]:
    """The best passages for `question`, in the customer's language where we have them."""
    source = language if language in PASSAGE_LANGUAGES else "en"
    hits = retriever(source).search(question or "", top=top) if (question or "").strip() else []
    return [{"id": h.passage.id, "text": h.passage.text, "score": round(h.score, 3), "language": source,
             "answers": h.score >= ANSWER_THRESHOLD} for h in hits]


def order_lines(order: Optional[Json], words: Dict[str, Any]) -> List[str]:
    if not isinstance(order, dict) or not order.get("id"):
        return []
    items = ", ".join(str(i.get("name") or i.get("sku") or "") for i in order.get("items") or []) or "—"
    status = order.get("status") or "—"
    lines = [words["order"].format(id=order["id"], items=items, status=(words.get("statuses") or {}).get(status, status))]
    if order.get("carrier") and order.get("tracking_number"):
        lines.append(words["tracking"].format(carrier=order["carrier"], tracking=order["tracking_number"]))
    if order.get("estimated_delivery") and order.get("status") not in ("delivered", "cancelled"):
        lines.append(words["eta"].format(eta=order["estimated_delivery"]))
    return lines


def suggest(question: str, language: str, context: Json) -> Json:
    """{"language", "question", "passages" (top 3), "suggested_reply", "facts_used"}."""
    words = WORDS.get(language, WORDS["en"])
    passages = passages_for(question, language)
    customer = context.get("customer") if isinstance(context.get("customer"), dict) else {}
    first_name = str(customer.get("name") or "").split(" ")[0]
    lines = [words["hello"].format(name=first_name) if first_name else words["hello_anon"], words["thanks"]]
    used: List[str] = []
    facts = order_lines(context.get("order"), words)
    if facts:
        lines += facts
        used.append(f"order {context['order']['id']}")
    answering = [p for p in passages if p["answers"]][:1]
    for passage in answering:
        lines.append(passage["text"])
        used.append(f"passage {passage['id']}")
    lines.append(words["more"])
    return {"language": language, "question": question, "passages": passages,
            "suggested_reply": "\n".join([lines[0], " ".join(lines[1:])]), "facts_used": used}
