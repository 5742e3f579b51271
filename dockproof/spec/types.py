"""The value types of the modelling language: booleans, bounded integers, enums."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BoolType:
    def values(self) -> tuple:
        return (False, True)

    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntType:
    lo: int
    hi: int

    def values(self) -> tuple:
        return tuple(range(self.lo, self.hi + 1))

    def __str__(self) -> str:
        if self.lo == -(2**31):
            return "int"
        return f"int {self.lo}..{self.hi}"


@dataclass(frozen=True, slots=True)
class EnumType:
    """An enum; its values are encoded as their index everywhere below the parser."""

    name: str
    members: tuple[str, ...]

    def values(self) -> tuple:
        return tuple(range(len(self.members)))

    def __str__(self) -> str:
        return f"enum {self.name} {{{', '.join(self.members)}}}"


BOOL = BoolType()
#: The type of a bare integer literal or arithmetic result (no declared range).
INT = IntType(-(2**31), 2**31 - 1)
Type = BoolType | IntType | EnumType


def same_kind(a: Type, b: Type) -> bool:
    """Tell whether values of the two types can be compared."""
    if isinstance(a, EnumType) or isinstance(b, EnumType):
        return a == b
    return type(a) is type(b)


def show(t: Type, value) -> str:
    """Render an encoded value for people (enum index -> member name)."""
    if isinstance(t, EnumType):
        return t.members[value]
    if isinstance(t, BoolType):
        return "true" if value else "false"
    return str(value)
