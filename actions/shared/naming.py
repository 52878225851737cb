"""Naming an action or a form where it is declared:

    class ActionTrackOrder(NamedAction, action="action_track_order"): ...
    class ValidateTrackOrderForm(CustomerForm, form="track_order_form"): ...

rasa-sdk registers every concrete subclass of `Action`. A class given no name
keeps `name()` abstract, so shared bases (CustomerForm, an area's base form)
are never registered by mistake.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Text

from rasa_sdk import Action


def give_name(cls: type, name: str) -> None:
    """Makes `name()` of `cls` return `name` (and so `cls` concrete)."""
    def named(self: Any) -> Text:
        return name
    named.__doc__ = f"{name!r}, as declared."
    cls.name = named  # type: ignore[attr-defined]


class NamedAction(Action, ABC):
    """A custom action named in its class line (`action="action_..."`)."""

    def __init_subclass__(cls, action: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if action:
            give_name(cls, action)

    @abstractmethod
    def name(self) -> Text:
        """Given by `action=` in the class line."""
