# Harbor support assistant. The two commands: `make run` and `make test`.
# Both install what is missing (Python 3.10 venv, dependencies, a trained model).

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
STAMP  := $(VENV)/.installed
# Every target sees the same environment as `make run` (env > .env > .env.example).
WITH_ENV := eval "$$($(PY) scripts/harbor_env.py)" &&

.PHONY: run run-scaled test install rules train validate test-py test-stories analytics review-export erase purge clean help

help:
	@echo "make run           start CRM/billing demo, actions, inbox and Rasa (trains if needed)"
	@echo "make run-scaled REPLICAS=2  the same behind HAProxy: N Rasa replicas, PostgreSQL, Redis"
	@echo "make test          validate data, run pytest and the conversation tests"
	@echo "make validate      generated rules up to date, then rasa data validate (fails on any warning)"
	@echo "make rules         regenerate data/rules/interruptions.yml from actions/shared/requests.py"
	@echo "make train         train a model if data or config changed"
	@echo "make review-export labelled review messages -> data/nlu/reviewed.yml (then make validate, make train)"
	@echo "make test-stories  only the conversation tests (tests/stories)"
	@echo "make test-py ARGS='-k tracking'   only pytest, with pytest arguments"

$(STAMP): requirements.txt requirements.lock scripts/setup.sh
	@PYTHON="$(PYTHON)" scripts/setup.sh

install: $(STAMP)

run: install
	@$(PY) scripts/run.py

# Installs PostgreSQL, Redis and HAProxy (Debian packages) when missing and root.
run-scaled: install
	@mkdir -p var && $(PY) scripts/run_scaled.py --replicas $(or $(REPLICAS),2)

rules: install
	@$(PY) scripts/generate_rules.py

train: install
	@$(WITH_ENV) $(PY) scripts/model.py

validate: install
	@$(PY) scripts/generate_rules.py --check
	@$(RASA) data validate --domain domain --data data --config config.yml --fail-on-warnings

test-py: install train
	@$(WITH_ENV) $(PY) -m pytest $(ARGS)

test-stories: install train
	@$(WITH_ENV) $(RASA) test core --model "$$($(PY) scripts/model.py --print-path)" \
	  --stories tests/stories --out var/results --fail-on-prediction-errors

test: validate train
	@mkdir -p var && scripts/system_deps.sh
	@$(WITH_ENV) $(PY) -m pytest $(ARGS)
	@$(MAKE) --no-print-directory test-stories

analytics: install
	@$(WITH_ENV) $(PY) -m services.analytics --days $(or $(DAYS),7)

review-export: install
	@$(WITH_ENV) $(PY) scripts/review_export.py

erase: install
	@$(WITH_ENV) $(PY) -m services.privacy erase $(if $(EMAIL),--email "$(EMAIL)",--sender "$(SENDER)") $(if $(YES),--yes)

purge: install
	@$(WITH_ENV) $(PY) -m services.privacy purge --older-than-days $(or $(DAYS),90) $(if $(YES),--yes)

clean:
	rm -rf var/* models/*.tar.gz .pytest_cache
