"""The generated rules follow from the registry and the domain's forms."""
from __future__ import annotations

import subprocess
import sys

import yaml

from actions.shared.requests import POLICY_ANSWERERS, POLICY_INTENTS, REQUEST_STARTERS
from scripts.generate_rules import OUTPUT, ROOT, domain_forms, policy_rules, render, rules_for, start_rules


def intents_of(step):
    return {i["intent"] for i in step["or"]} if "or" in step else {step["intent"]}


def test_the_committed_interruption_rules_are_up_to_date():
    assert OUTPUT.read_text() == render(domain_forms()), "run `make rules`"


def test_a_stale_file_fails_the_check(tmp_path, monkeypatch):
    stale = tmp_path / "interruptions.yml"
    stale.write_text(OUTPUT.read_text().replace("utter_ok_stopped", "utter_goodbye", 1))
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); import scripts.generate_rules as g; "
              f"from pathlib import Path; g.OUTPUT = Path({str(stale)!r}); sys.argv = ['g', '--check']; "
              "sys.exit(g.main())")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1 and "out of date" in done.stderr


def test_every_request_intent_starts_its_form_from_the_registry():
    forms = domain_forms()
    started = {rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in start_rules(forms)}
    assert started == {intent: form for intent, form in REQUEST_STARTERS.items() if form in forms}
    assert started["get_invoice"] == started["check_invoice"] == "invoice_form"


def test_every_policy_question_has_one_rule_in_a_form_or_not():
    answered = {}
    for rule in policy_rules():
        assert "condition" not in rule  # the same rule serves inside any form
        for intent in intents_of(rule["steps"][0]):
            answered[intent] = rule["steps"][1]["action"]
    assert answered == POLICY_ANSWERERS and set(answered) == set(POLICY_INTENTS)


def test_every_form_gets_stop_and_switch_rules_without_its_own_intents():
    forms = domain_forms()
    assert "track_order_form" in forms and "invoice_form" in forms
    elsewhere = {i for i, action in POLICY_ANSWERERS.items() if action != "action_answer_policy"}
    for form in forms:
        stop, *policy, switch = rules_for(form)
        assert stop["steps"][0] == {"intent": "stop"}
        # Only questions with an action of their own outside forms need a rule per form.
        assert [intents_of(rule["steps"][0]) for rule in policy] == ([elsewhere] if elsewhere else [])
        own = {intent for intent, starts in REQUEST_STARTERS.items() if starts == form}
        assert intents_of(switch["steps"][0]) == set(REQUEST_STARTERS) - own
    parsed = yaml.safe_load(OUTPUT.read_text())
    assert len(parsed["rules"]) == (len(start_rules(forms)) + len(policy_rules())
                                    + sum(len(rules_for(form)) for form in forms))
