"""The base of every settings class, and the registry of their one instance per process.

Each capability declares its ``BASIS_*`` variables in one class deriving from ``BasisSettings``, in
its own module (``basis/<capability>/settings.py``; the platform's is ``basis.platform.config``),
next to the getter ``cached`` makes for it. No variable is declared twice (a unit test walks every
class). ``basis.platform.runtime.bootstrap`` reads the classes a function needs at cold start, so a
bad variable of any capability fails the cold start with a message naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache, partial
from typing import Protocol, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from basis.platform.errors import ConfigurationError

PREFIX = "BASIS_"


class BasisSettings(BaseSettings):
    # Every function gets the deployment's common variables and reads its own: the rest is ignored.
    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore")


T = TypeVar("T", bound=BasisSettings)
T_co = TypeVar("T_co", bound=BasisSettings, covariant=True)


class Getter(Protocol[T_co]):
    """A settings class's instance for this process: read on the first call, then cached."""

    def __call__(self) -> T_co: ...

    def cache_clear(self) -> None: ...


_GETTERS: dict[type[BasisSettings], Getter[BasisSettings]] = {}


class InvalidSettingsError(ConfigurationError):
    """One or more ``BASIS_*`` variables are missing or malformed; ``problems`` names each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"invalid configuration: {'; '.join(problems)}")
        self.problems = problems


def _problems(settings_class: type[BasisSettings], error: ValidationError) -> list[str]:
    found = []
    for item in error.errors():
        field, *rest = item["loc"] or (settings_class.__name__,)
        name = f"{PREFIX}{str(field).upper()}" if field in settings_class.model_fields else str(field)
        found.append(f"{'.'.join([name, *map(str, rest)])}: {item['msg']}")
    return found


def every_match(pattern: re.Pattern[str], values: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``values`` when each matches ``pattern``; else a validation error listing the others."""
    bad = [value for value in values if not pattern.match(value)]
    if bad:
        raise ValueError(f"not {what}: {bad}")
    return values


def load(settings_class: type[T]) -> T:
    """Read a settings class from the environment; the error names each bad ``BASIS_*`` variable."""
    try:
        return settings_class()
    except ValidationError as exc:
        raise InvalidSettingsError(_problems(settings_class, exc)) from exc


def cached(settings_class: type[T]) -> Getter[T]:
    """The getter of ``settings_class``'s one instance per process, registered for ``validate``."""
    getter = lru_cache(maxsize=1)(partial(load, settings_class))
    _GETTERS[settings_class] = getter
    return getter


def validate(settings_classes: Iterable[type[BasisSettings]]) -> None:
    """Read every class afresh through its getter; one error names every bad variable of them all."""
    problems: list[str] = []
    for settings_class in dict.fromkeys(settings_classes):
        getter = _GETTERS[settings_class]
        getter.cache_clear()
        try:
            getter()
        except InvalidSettingsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidSettingsError(problems)
