"""The store's knowledge as small passages, one fact or rule each, with ids
(knowledge/passages/<language>.yml).

knowledge/harbor_policies.md stays the one source of the English facts: an
English passage names its bullet (`bullet`: words only that bullet has) and
its text is read from the markdown, so editing the policies changes the
answers. A translation (es.yml) carries its own `text` under the same ids.
`asks` (the ways customers ask) only help the retriever; they are never shown.
`unanswered` lists questions no passage answers (the retriever's "not sure").
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from actions.shared.nlu_data import examples_by_intent

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "knowledge" / "passages"
DEFAULT_POLICIES = ROOT / "knowledge" / "harbor_policies.md"
# The NLU's out-of-scope examples (a CLINC150 sample): questions nothing here answers.
OUT_OF_SCOPE = ROOT / "data" / "nlu" / "clinc150" / "out_of_scope.yml"
MARKERS = re.compile(r"\s*\((enforced)\)\s*", re.I)


def policies_path() -> Path:
    return Path(os.environ.get("KNOWLEDGE_PATH") or DEFAULT_POLICIES)


def parse_policies(markdown: str) -> Dict[str, List[str]]:
    """`## Section` -> its bullets (markers like "(enforced)" dropped, wrapped lines joined)."""
    sections: Dict[str, List[str]] = {}
    current: Optional[List[str]] = None
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is None:
            continue
        elif re.match(r"^\s*[-*]\s+", line):
            current.append(re.sub(r"^\s*[-*]\s+", "", line).strip())
        elif line.strip() and current:
            current[-1] += " " + line.strip()  # a wrapped bullet
    return {name: [MARKERS.sub(" ", b).strip() for b in bullets] for name, bullets in sections.items()}


@dataclass(frozen=True)
class Passage:
    id: str
    section: str
    text: str
    asks: Tuple[str, ...] = ()


def passages_dir() -> Path:
    return Path(os.environ.get("KNOWLEDGE_PASSAGES_DIR") or DEFAULT_DIR)


def bullet_text(policies: Dict[str, List[str]], section: str, words: str) -> str:
    """The one bullet of `section` that contains `words`."""
    found = [b for b in policies.get(section, []) if words.lower() in b.lower()]
    if len(found) != 1:
        raise KeyError(f"{len(found)} bullets of {section!r} contain {words!r}")
    return found[0]


_files: Dict[Path, Tuple[float, Dict[str, Any]]] = {}


def _yaml(path: Path) -> Dict[str, Any]:
    """A YAML file's contents, read again only when the file changes."""
    mtime = path.stat().st_mtime
    if path not in _files or _files[path][0] != mtime:
        _files[path] = (mtime, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return _files[path][1]


def passages_file(language: str) -> Path:
    """knowledge/passages/<language>.yml, English where there is no file for it."""
    path = passages_dir() / f"{language}.yml"
    return path if path.exists() else passages_dir() / "en.yml"


_cache: Dict[str, Tuple[Tuple, List[Passage]]] = {}


def load_passages(language: str = "en") -> List[Passage]:
    """The passages in `language`, English where there is no file for it
    (re-read when the file or the policies change). Raises OSError, KeyError
    or yaml.YAMLError when they cannot be read."""
    path = passages_file(language)
    policies_file = policies_path()
    key = (str(path), path.stat().st_mtime, str(policies_file), policies_file.stat().st_mtime)
    if language not in _cache or _cache[language][0] != key:
        rows = _yaml(path)["passages"]
        policies: Optional[Dict[str, List[str]]] = None
        passages = []
        for row in rows:
            text = row.get("text")
            if text is None:
                policies = policies or parse_policies(policies_file.read_text(encoding="utf-8"))
                text = bullet_text(policies, row["section"], row["bullet"])
            passages.append(Passage(row["id"], row.get("section", ""), text.strip(), tuple(row.get("asks") or ())))
        _cache[language] = (key, passages)
    return _cache[language][1]


def load_unanswered(language: str = "en") -> List[str]:
    """Questions no passage answers, in `language`: the passage file's
    `unanswered` list and, with the English file, the NLU's out-of-scope
    examples."""
    path = passages_file(language)
    questions = list(_yaml(path).get("unanswered") or [])
    if path.name == "en.yml" and OUT_OF_SCOPE.exists():
        questions += examples_by_intent(_yaml(OUT_OF_SCOPE)).get("out_of_scope", [])
    return questions
