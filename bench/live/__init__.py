"""Live benchmark on a real local broker: a plain aiokafka loop, a naive Faust agent, our worker.

Run: `make bench-live` (= `python -m bench.live`). One run does, on one broker (port 19800,
data /tmp/bench-broker unless told otherwise) and one generated population (cached under
.cache/bench/):

1. throughput, side by side, over the same input topics (each reads them from the start):
   (1) `plain`: an aiokafka consumer loop (getmany batches) doing decode + validate + fold +
       classify before/after + ledger, state in a dict: the practical limit;
   (2) `naive`: a straightforward Faust agent, the same work one event at a time, one Table
       write per event;
   (4) `quix`: a Quix Streams application doing (1)'s work: the four topics concatenated, a
       stateful apply with Quix's RocksDB store and changelog; in its own virtualenv
       (.cache/bench-quix-venv, made on first use: Quix needs an older confluent-kafka);
   (3) `worker`: `transparantie worker` as a subprocess, measured from outside: until /counts
       equals expected.json and the group's committed offsets reach the end offsets;
   then (1) again, `plain_after`, so that every ratio to the plain loop is bracketed.
   For each: events/s, CPU seconds per million events (the process; the broker's beside it),
   peak RSS, state bytes per client; and every ratio (worker, Quix, naive against each plain
   run and their mean, worker/Quix, memory store/RocksDB), in events/s and in CPU per event;
2. latency at a fixed 2,000 events/s into the running worker: the worker's
   `transparantie_event_to_update_seconds` histogram, and probes measured to the counts topic;
3. recovery: cold start to /readyz 200 from the changelog (fresh data dir), and restart from
   the local RocksDB (same data dir), for a larger population.

Every figure is printed and written as JSON to .cache/bench/live-<time>.json.

Modules: `harness` (broker, populations, topics, offsets, /proc), `contenders` (1), (2),
`worker` (3), `quix` (4) and its venv, `latency`, `recovery`, `report` (the table and the
ratios); the broker, the worker processes and the polling are streams.devtools.stack's,
shared with the tests and the demo.
"""

from __future__ import annotations
