"""Summarise py-spy's collapsed stacks (`--format raw`): where a process spent its samples.

Run: `python -m bench.profile .cache/bench/run-<time>/worker.pyspy [--top 30]`. Prints the
functions by inclusive share (a sample counts once for every distinct function on its stack)
and by self share (the innermost frame), so the cost of a layer (Faust, aiokafka, our core)
can be read off directly.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def frames(stack: str) -> list[str]:
    """The frames of one collapsed stack, outermost first, without line numbers."""
    out = []
    for frame in stack.split(";"):
        name, _, where = frame.partition(" (")
        where = where.rstrip(")").rsplit(":", 1)[0]
        out.append(f"{name} ({where.rsplit('/site-packages/', 1)[-1]})")
    return out


def summarise(path: Path) -> tuple[int, Counter[str], Counter[str]]:
    """Total samples, inclusive samples per function, self samples per function."""
    total = 0
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        names = frames(stack)
        total += n
        for name in set(names):
            inclusive[name] += n
        self_[names[-1]] += n
    return total, inclusive, self_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    total, inclusive, self_ = summarise(args.path)
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", self_)):
        print(f"\n{title}:")
        for name, n in counter.most_common(args.top):
            print(f"{100 * n / total:6.1f} %  {name}")


if __name__ == "__main__":
    main()
