"""The "not given" sentinel: how a request tells "leave it alone" from an explicit ``None``.

PATCH semantics (spec §4.3) need three states per field: omitted (keep), a value
(replace) and ``null`` (remove). ``None`` cannot play two parts, so parameters
default to :data:`UNSET`, and the converter omits every field still equal to it.
"""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias


class _UnsetType(enum.Enum):
    # An enum member is the one sentinel idiom that mypy narrows with `is`, pickles
    # as a singleton, and needs no __new__ tricks.
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _UnsetType.UNSET
Unset: TypeAlias = Literal[_UnsetType.UNSET]
"""Type of :data:`UNSET`, for annotations such as ``str | None | Unset``."""
