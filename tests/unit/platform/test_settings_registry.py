"""Every ``BASIS_*`` variable has one owner: each capability declares its variables in one
settings class, in its own settings module, on the one base, and no variable is declared twice."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

import basis
from basis.platform.settings import _GETTERS, PREFIX, BasisSettings


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def _all_settings_classes() -> set[type[BaseSettings]]:
    for module in pkgutil.walk_packages(basis.__path__, "basis."):
        importlib.import_module(module.name)
    return {cls for cls in _subclasses(BaseSettings) if cls.__module__.startswith("basis.")}


def _variables(cls: type[BaseSettings]) -> set[str]:
    names = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice) for choice in alias.choices}
        else:
            names.add(str(alias) if alias else f"{PREFIX}{field_name.upper()}")
    return names


def test_every_settings_class_derives_from_the_one_base_unchanged() -> None:
    classes = _all_settings_classes()
    assert len(classes) >= 5
    for cls in classes:
        assert issubclass(cls, BasisSettings), cls
        if cls is not BasisSettings:
            assert cls.model_config == BasisSettings.model_config, cls


def test_one_settings_module_per_capability_with_a_registered_getter() -> None:
    classes = _all_settings_classes() - {BasisSettings}
    modules = [cls.__module__ for cls in classes]
    assert len(set(modules)) == len(modules)  # one class per module
    for cls in classes:
        assert cls.__module__ == "basis.platform.config" or cls.__module__.endswith(".settings"), cls
        assert cls in _GETTERS, f"{cls.__name__} has no getter (basis.platform.settings.cached)"


def test_no_variable_is_declared_twice() -> None:
    owners: dict[str, list[str]] = defaultdict(list)
    for cls in _all_settings_classes():
        for name in _variables(cls):
            owners[name].append(f"{cls.__module__}.{cls.__name__}")
    assert {name: found for name, found in owners.items() if len(found) > 1} == {}
    assert {"BASIS_MAX_AUTO_BRIDGE_USDC", "BASIS_MAX_USDC_DAILY", "BASIS_EVENT_BUS_NAME"} <= set(owners)
