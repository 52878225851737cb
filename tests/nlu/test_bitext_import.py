"""scripts/import_bitext.py maps Bitext rows to Harbor's intents and entities."""
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import import_bitext  # noqa: E402


def row(text, intent="get_refund", entity="", value="", start=0, end=0):
    return {"utterance": text, "intent": intent, "entity_type": entity,
            "entity_value": value, "start_offset": str(start), "end_offset": str(end),
            "category": "REFUND"}


def test_refund_amount_becomes_amount_without_dollar_sign():
    text, intent, span = import_bitext.convert_row(
        row("refund of $160 please", entity="refund_amount", value="160", start=11, end=14))
    assert import_bitext.annotate(text, span) == "refund of $[160](amount) please"


def test_invoice_hash_is_left_outside_the_entity():
    text, _, span = import_bitext.convert_row(
        row("get invoice #37777", "get_invoice", "invoice_id", "#37777", 12, 18))
    assert import_bitext.annotate(text, span) == "get invoice #[37777](invoice_id)"


def test_account_type_annotation_is_dropped_but_text_kept():
    text, intent, span = import_bitext.convert_row(
        row("open a gold account", "create_account", "account_type", "Gold", 7, 11))
    assert (text, intent, span) == ("open a gold account", "create_account", None)


def test_entity_glued_to_a_word_is_dropped():
    _, _, span = import_bitext.convert_row(
        row("cancel order732201349959", "cancel_order", "order_id", "732201349959", 12, 24))
    assert span is None


def test_questions_about_hours_become_ask_support_hours():
    assert import_bitext.relabel(
        "contact_customer_service", "what hours can I call customer service") == "ask_support_hours"
    assert import_bitext.relabel(
        "contact_customer_service", "I want to call customer service") == "contact_customer_service"


def test_every_relabelled_intent_is_in_the_bitext_intent_map():
    mapping = yaml.safe_load((ROOT / "tests" / "nlu" / "bitext_intent_map.yml").read_text())
    assert "ask_support_hours" in mapping["contact_customer_service"]


def test_sample_is_capped_per_intent_and_deduplicated():
    rows = [row(f"refund please {i % 5}") for i in range(50)] + [row("Refund please 1")]
    sampled = import_bitext.sample(rows, per_intent=3)
    texts = [t for intents in sampled.values() for ts in intents.values() for t in ts]
    assert len(texts) == 3 and len({t.lower() for t in texts}) == 3
