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
from typing import Dict, List, Optional, Tuple

import yaml

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


_cache: Dict[str, Tuple[Tuple, List[Passage]]] = {}


def load_passages(language: str = "en") -> List[Passage]:
    """The passages in `language`, English where there is no file for it
    (re-read when the file or the policies change). Raises OSError, KeyError
    or yaml.YAMLError when they cannot be read."""
    path = passages_dir() / f"{language}.yml"
    if not path.exists():
        path = passages_dir() / "en.yml"
    policies_file = policies_path()
    key = (str(path), path.stat().st_mtime, str(policies_file), policies_file.stat().st_mtime)
    if language not in _cache or _cache[language][0] != key:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))["passages"]
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


_unanswered_cache: Dict[str, Tuple[Tuple, List[str]]] = {}


def load_unanswered(language: str = "en") -> List[str]:
    """Questions no passage answers, in `language`: the file's `unanswered`
    list and, for English, the NLU's out-of-scope examples (re-read when
    either changes)."""
    path = passages_dir() / f"{language}.yml"
    files = [f for f in (path, OUT_OF_SCOPE if language == "en" else None) if f is not None and f.exists()]
    key = tuple((str(f), f.stat().st_mtime) for f in files)
    if language in _unanswered_cache and _unanswered_cache[language][0] == key:
        return _unanswered_cache[language][1]
    questions: List[str] = []
    if path in files:
        questions += yaml.safe_load(path.read_text(encoding="utf-8")).get("unanswered") or []
    if OUT_OF_SCOPE in files:
        for block in yaml.safe_load(OUT_OF_SCOPE.read_text(encoding="utf-8")).get("nlu") or []:
            if block.get("intent") == "out_of_scope":
                questions += [line.strip()[2:].strip() for line in block["examples"].splitlines()
                              if line.strip().startswith("- ")]
    _unanswered_cache[language] = (key, questions)
    return questions
