"""Publications one at a time: what is computed later is never sent before what was computed
earlier, even when a send waits (aiokafka's batch for the partition is full)."""

from __future__ import annotations

import asyncio
from typing import Any

from streams.engine.publishing import Publisher


class Topic:
    """A compacted topic: the last value per key; the first send waits until `drained`."""

    def __init__(self) -> None:
        self.latest: dict[bytes, bytes] = {}
        self.drained = asyncio.Event()
        self.sends = 0
        self.fail = False

    async def send(self, key: bytes, value: bytes) -> asyncio.Future[Any]:
        self.sends += 1
        if self.sends == 1:
            await self.drained.wait()
        self.latest[key] = value
        delivery: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.fail:
            delivery.set_exception(ConnectionError("broker gone"))
        else:
            delivery.set_result(None)
        return delivery


async def test_a_publication_computed_later_waits_for_the_one_whose_send_waits() -> None:
    topic = Topic()
    publisher = Publisher("counts", topic.send, on_failure=lambda: None)
    value = [b"old"]

    def rows() -> list[tuple[bytes, bytes]]:
        return [(b"NL", value[0]), (b"AM01", value[0])]

    first = asyncio.create_task(publisher.publish(rows))
    await asyncio.sleep(0)  # the first publication's first send waits for the drain
    value[0] = b"new"
    second = asyncio.create_task(publisher.publish(rows))
    await asyncio.sleep(0)
    topic.drained.set()
    assert await first == 2 and await second == 2
    assert topic.latest == {b"NL": b"new", b"AM01": b"new"}


async def test_a_record_that_is_not_delivered_has_everything_published_again() -> None:
    topic = Topic()
    topic.drained.set()
    topic.fail = True
    failures: list[bool] = []
    publisher = Publisher("counts", topic.send, on_failure=lambda: failures.append(True))
    await publisher.publish(lambda: [(b"NL", b"1")])
    await asyncio.sleep(0)  # delivery callbacks run on the next turn of the loop
    assert failures == [True]
