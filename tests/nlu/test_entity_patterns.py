"""addons.nlu.entity_patterns keeps only pattern-shaped ids and adds clear misses."""
from rasa.shared.nlu.training_data.message import Message

from addons.nlu.entity_patterns import EntityPatternGuard


def entity(kind, text, value, extractor="DIETClassifier"):
    start = text.index(value)
    return {"entity": kind, "start": start, "end": start + len(value), "value": value,
            "extractor": extractor}


def test_small_number_tagged_as_order_id_is_dropped():
    text = "tried to pay 3 times for 10231"
    fixed = EntityPatternGuard({}).fix(
        text, [entity("order_id", text, "3"), entity("order_id", text, "10231")])
    assert [e["value"] for e in fixed] == ["10231"]


def test_bitext_long_order_number_is_kept():
    text = "cancel order 00123842"
    assert EntityPatternGuard({}).fix(text, [entity("order_id", text, "00123842")])


def test_missed_email_and_invoice_are_added_once():
    text = "send INV-10232 to maya.patel@example.com"
    fixed = EntityPatternGuard({}).fix(text, [entity("invoice_id", text, "INV-10232")])
    assert [(e["entity"], e["value"]) for e in fixed] == [
        ("invoice_id", "INV-10232"), ("email", "maya.patel@example.com")]


def test_spacy_entity_does_not_block_an_added_email():
    text = "maya.patel@example.com"
    fixed = EntityPatternGuard({}).fix(text, [entity("PERSON", text, text, "SpacyEntityExtractor")])
    assert {e["entity"] for e in fixed} == {"PERSON", "email"}


def test_other_entities_pass_untouched():
    text = "return the sweater"
    original = [entity("product", text, "sweater")]
    assert EntityPatternGuard({}).fix(text, original) == original


def test_patterns_come_from_config():
    guard = EntityPatternGuard({"validate": {"order_id": r"1\d{4}"}, "add": {}})
    text = "order 00123842"
    assert guard.fix(text, [entity("order_id", text, "00123842")]) == []


def test_process_updates_parse_output():
    message = Message.build(text="email is liam.chen@example.com")
    EntityPatternGuard({}).process([message])
    output = message.as_dict(only_output_properties=True)
    assert output["entities"][0]["value"] == "liam.chen@example.com"
