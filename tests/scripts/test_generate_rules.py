"""The interruption rules are generated from the registry and the domain's forms."""
from __future__ import annotations

import subprocess
import sys

import yaml

from actions.shared.requests import POLICY_INTENTS, REQUEST_STARTERS
from scripts.generate_rules import OUTPUT, ROOT, domain_forms, render, rules_for


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


def test_every_form_gets_stop_policy_and_switch_rules_without_its_own_intents():
    forms = domain_forms()
    assert "track_order_form" in forms and "invoice_form" in forms
    for form in forms:
        stop, policy, switch = rules_for(form)
        assert stop["steps"][0] == {"intent": "stop"}
        assert {i["intent"] for i in policy["steps"][0]["or"]} == set(POLICY_INTENTS)
        switching = {i["intent"] for i in switch["steps"][0]["or"]}
        own = {intent for intent, starts in REQUEST_STARTERS.items() if starts == form}
        assert switching == set(REQUEST_STARTERS) - own
    parsed = yaml.safe_load(OUTPUT.read_text())
    assert len(parsed["rules"]) == 3 * len(forms)
