"""Where Kafka's default partitioner puts a key: the partition of a client's events."""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2) gives a key: producers key by
    client_id, so this is where the client's events and table entry live."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions
