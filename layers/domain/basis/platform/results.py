"""``JsonResult``: the base of a service's typed answer that the API sends back as JSON.

A result is a frozen dataclass whose fields are its JSON object's members (nested results, lists
and dicts of them included). It also reads as that object (``result["field"]``, ``dict(result)``),
so a caller that validates plain JSON objects, such as a pydantic ``model_validate``, takes it as is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class JsonResult(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        return vars(self)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(vars(self))

    def __len__(self) -> int:
        return len(vars(self))
