"""How many clients get each fate: the publication's mix, scaled to the population size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from streams.devtools.generate.fates import BESCHUT_FATES, COUNTED_FATES, NOT_COUNTED_FATES
from streams.devtools.generate.parameters import (
    BESCHUT_SHARE,
    COLUMN_FACTS,
    PUBLICATION_CLIENTS,
    PUBLICATION_ROW,
)
from streams.domain.table import Column


def _apportion(total: int, weights: Mapping[str, float], minimum: int = 0) -> dict[str, int]:
    """Split `total` by weight with the largest-remainder method (sums exactly to `total`);
    every key gets at least `minimum` when the total allows it."""
    keys = list(weights)
    if total >= minimum * len(keys) > 0:
        base = {k: minimum for k in keys}
        total -= minimum * len(keys)
    else:
        base = {k: 0 for k in keys}
    weight_sum = sum(weights.values())
    shares = {k: total * weights[k] / weight_sum for k in keys}
    result = {k: base[k] + int(shares[k]) for k in keys}
    left = total - sum(int(s) for s in shares.values())
    for k in sorted(keys, key=lambda k: (int(shares[k]) - shares[k], keys.index(k)))[:left]:
        result[k] += 1
    return result


def plan_fates(clients: int) -> Counter[tuple[str, Column | None]]:
    """How many clients get each (fate, column): the publication's mix, scaled to `clients`."""
    outcomes = {c.value: n / PUBLICATION_CLIENTS for c, n in PUBLICATION_ROW.items()}
    outcomes[Column.BESCHUT_WSW.value] = BESCHUT_SHARE
    outcomes["not counted"] = 1 - sum(outcomes.values())
    sizes = _apportion(clients, outcomes)
    plan: Counter[tuple[str, Column | None]] = Counter()
    for column in COLUMN_FACTS:
        fates = {n: w for n, (_, w, cols) in COUNTED_FATES.items() if column in cols}
        fates["counted"] = 1 - sum(fates.values())
        for name, n in _apportion(sizes[column.value], fates, minimum=1).items():
            plan[(name, column)] = n
    for name in BESCHUT_FATES:
        plan[(name, Column.BESCHUT_WSW)] = sizes[Column.BESCHUT_WSW.value]
    weights = {n: w for n, (_, w) in NOT_COUNTED_FATES.items()}
    for name, n in _apportion(sizes["not counted"], weights, minimum=1).items():
        plan[(name, None)] = n
    return +plan
