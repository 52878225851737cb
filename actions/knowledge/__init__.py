"""Answers from the store's knowledge.

- passages.py: knowledge/passages/<language>.yml, one fact or rule per passage, with ids
- retriever.py: finds the passage(s) answering a free-form question, with a score
- answering.py: the answer (passage text, ids, score) or None below the threshold
- topics.py: action_answer_policy, and the intent-keyed topics of knowledge/topics.yml
"""
from actions.knowledge.passages import DEFAULT_POLICIES, parse_policies
from actions.knowledge.topics import ActionAnswerPolicy, answer_for, load_policies, load_topics, section_named

__all__ = ["DEFAULT_POLICIES", "ActionAnswerPolicy", "answer_for", "load_policies", "load_topics",
           "parse_policies", "section_named"]
