"""`Symbol`: an Enum whose members hash by identity, for enums used as dict and Counter keys."""

from __future__ import annotations

from enum import Enum


class Symbol(Enum):
    """An Enum hashed by identity (in C) instead of `Enum.__hash__`, a Python-level
    `hash(self._name_)`: every cell of a ledger (a tuple with a `Column`), every look-up by
    owner or status paid a Python call, about 0.4 µs, several times per client and event.
    Members are singletons compared by identity, so the identity hash agrees with `==`."""

    __hash__ = object.__hash__
