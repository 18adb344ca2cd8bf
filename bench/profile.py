"""Summarise py-spy's collapsed stacks (`--format raw`): where a process spent its samples.

Run: `python -m bench.profile .cache/bench/run-<time>/worker.pyspy [--top 30]`. Prints the
functions by inclusive share (a sample counts once for every distinct function on its stack)
and by self share (the innermost frame), so the cost of a layer (Faust, aiokafka, our core)
can be read off directly. With `--below NAME` (part of a function's name, e.g.
`TableIO.put_many`): where that function's samples go, by the frame right below it.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path


def frames(stack: str) -> list[str]:
    """The frames of one collapsed stack, outermost first, without line numbers."""
    out = []
    for frame in stack.split(";"):
        name, _, where = frame.partition(" (")
        where = where.rstrip(")").rsplit(":", 1)[0]
        out.append(f"{name} ({where.rsplit('/site-packages/', 1)[-1]})")
    return out


def samples(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(samples, frames outermost first) of every stack in a collapsed-stacks file."""
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield int(count), frames(stack)


def summarise(path: Path) -> tuple[int, Counter[str], Counter[str]]:
    """Total samples, inclusive samples per function, self samples per function."""
    total = 0
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    for n, names in samples(path):
        total += n
        for name in set(names):
            inclusive[name] += n
        self_[names[-1]] += n
    return total, inclusive, self_


def below(path: Path, name: str) -> tuple[int, int, Counter[str]]:
    """Total samples, samples in the first frame matching `name`, and those per frame below it
    ("(self)" when it is the innermost)."""
    total = inside = 0
    children: Counter[str] = Counter()
    for n, names in samples(path):
        total += n
        for i, frame in enumerate(names):
            if name in frame:
                inside += n
                children[names[i + 1] if i + 1 < len(names) else "(self)"] += n
                break
    return total, inside, children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--below", action="append", default=[], help="a function's name")
    args = parser.parse_args()
    if args.below:
        for name in args.below:
            total, inside, children = below(args.path, name)
            print(f"{name}: {100 * inside / total:.1f} % of {total} samples")
            for child, n in children.most_common(args.top):
                print(f"{100 * n / total:6.1f} %  {child}")
            print()
        return
    total, inclusive, self_ = summarise(args.path)
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", self_)):
        print(f"\n{title}:")
        for name, n in counter.most_common(args.top):
            print(f"{100 * n / total:6.1f} %  {name}")


if __name__ == "__main__":
    main()
