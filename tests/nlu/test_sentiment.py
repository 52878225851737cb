"""Sentiment/frustration contract of addons.nlu.sentiment (see addons/nlu/README.md)."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from addons.nlu.sentiment import SENTIMENT, SentimentAnalyzer


@pytest.fixture(scope="module")
def analyzer():
    return SentimentAnalyzer({})


def test_polite_thanks_is_positive_and_calm(analyzer):
    result = analyzer.analyze("Thank you so much, that was really helpful!")
    assert result["label"] == "positive"
    assert result["compound"] > 0.5
    assert result["frustrated"] is False
    assert result["signals"] == []


def test_bare_order_number_is_neutral(analyzer):
    result = analyzer.analyze("order 10231")
    assert result == {"compound": 0.0, "label": "neutral", "frustrated": False, "signals": []}


def test_angry_message_is_negative_and_frustrated(analyzer):
    result = analyzer.analyze("this is terrible, worst service ever, I hate this")
    assert result["label"] == "negative"
    assert "very_negative" in result["signals"]
    assert result["frustrated"] is True


def test_mildly_negative_message_is_not_frustrated(analyzer):
    result = analyzer.analyze("my espresso machine arrived broken")
    assert result["label"] == "negative"
    assert result["frustrated"] is False


def test_shouting_counts_as_frustration(analyzer):
    result = analyzer.analyze("WHERE IS MY ORDER")
    assert "shouting" in result["signals"]
    assert result["frustrated"] is True


def test_one_capitalised_word_is_not_shouting(analyzer):
    assert analyzer.analyze("is it shipped with UPS")["signals"] == []


@pytest.mark.parametrize(
    "text",
    [
        "THIRD TIME asking where is my order",
        "for the 2nd time, where is my refund",
        "still waiting for my package",
        "I already told you my order number",
        "I have asked you twice",
    ],
)
def test_repeated_contact_counts_as_frustration(analyzer, text):
    result = analyzer.analyze(text)
    assert "repeated_contact" in result["signals"]
    assert result["frustrated"] is True


def test_profanity_counts_as_frustration(analyzer):
    result = analyzer.analyze("wtf where is my stuff")
    assert "profanity" in result["signals"]
    assert result["frustrated"] is True


def test_many_exclamation_marks_count_as_frustration(analyzer):
    assert analyzer.analyze("where is it!!!")["signals"] == ["exclamations"]
    assert analyzer.analyze("thanks!")["frustrated"] is False


def test_thresholds_come_from_config():
    strict = SentimentAnalyzer({"frustrated_threshold": -0.3, "exclamation_marks": 1})
    assert strict.analyze("my espresso machine arrived broken")["frustrated"] is True
    assert strict.analyze("thanks!")["signals"] == ["exclamations"]


def test_process_adds_sentiment_to_parse_output(analyzer):
    message = Message.build(text="I was charged twice, this is ridiculous!!!")
    analyzer.process([message])
    output = message.as_dict(only_output_properties=True)
    assert output[SENTIMENT]["frustrated"] is True
    assert output[SENTIMENT]["label"] == "negative"
