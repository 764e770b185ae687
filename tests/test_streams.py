"""Random streams: addressable, reproducible, independent across coordinates."""

import numpy as np
from scipy import stats

from vicinity_sim.streams import Streams, process_id, uniform, uniform_array


def test_same_address_same_number():
    a = Streams(seed=11, replication=2)
    b = Streams(seed=11, replication=2)
    assert a.key("fire", 40) == b.key("fire", 40)
    assert uniform(a.key("fire", 40), 3, 1234) == uniform(b.key("fire", 40), 3, 1234)


def test_every_coordinate_changes_the_stream():
    base = Streams(5, 0).key("fire", 10)
    others = [
        Streams(6, 0).key("fire", 10),
        Streams(5, 1).key("fire", 10),
        Streams(5, 0).key("flood", 10),
        Streams(5, 0).key("fire", 11),
    ]
    assert len({int(base), *map(int, others)}) == 5
    u = uniform(base, 0, 7)
    assert u != uniform(base, 1, 7) and u != uniform(base, 0, 8)


def test_draw_does_not_depend_on_other_draws():
    """Common random numbers: entity 500's draw is the same whether or not others are drawn."""
    key = Streams(3).key("fire", 2)
    many = uniform_array(key, 0, 1000)
    assert many[500] == uniform(key, 0, 500)


def test_uniforms_are_uniform_and_uncorrelated():
    key = Streams(1).key("fire", 0)
    u = uniform_array(key, 0, 200_000)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert u.min() >= 0.0 and u.max() < 1.0
    v = uniform_array(key, 1, 200_000)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_process_ids_are_stable():
    # CRC-32 of the name: adding processes never moves another process's stream.
    assert process_id("fire") == 1490946511
    assert process_id("fire") != process_id("flood")


def test_generator_streams_reproduce():
    g1 = Streams(9).generator("world.plan", 0).random(5)
    g2 = Streams(9).generator("world.plan", 0).random(5)
    g3 = Streams(9).generator("world.plan", 1).random(5)
    assert np.array_equal(g1, g2) and not np.array_equal(g1, g3)


def test_day_keys_computed_in_blocks_equal_the_scalar_definition():
    """Keys are computed for many days at once; each equals splitmix(base + (day+1)·golden)."""
    from vicinity_sim.streams import _GOLDEN_INT, _splitmix

    s = Streams(7, 3)
    for process in ("fire", "contacts"):
        base = int(s._sequence(process).generate_state(1, dtype=np.uint64)[0])
        for day in (0, 1, 364, 4095, 4096, 9000, 1_000_000):
            expected = np.uint64(_splitmix(base + (day + 1) * _GOLDEN_INT))
            assert s.key(process, day) == expected, (process, day)


def test_named_slots_are_unique_within_each_stream():
    """Every stream's slots (declared by the modules drawing from it) have distinct numbers;
    the fire stream's are declared by two modules, the fire and its spread."""
    import vicinity_sim.processes
    import vicinity_sim.world.build  # noqa: F401  (declares the slots)
    from vicinity_sim.streams import SLOTS

    assert {"fire", "contacts", "governance", "disputes", "world.ties"} <= set(SLOTS)
    assert {"IGNITE", "EDGE_NOISE"} <= set(SLOTS["fire"])  # both declarations
    for stream, slots in SLOTS.items():
        numbers = list(slots.values())
        assert len(numbers) == len(set(numbers)), stream


def test_a_slot_number_taken_twice_is_refused():
    from enum import IntEnum

    import pytest

    from vicinity_sim.processes.fire import FireSlot
    from vicinity_sim.streams import SLOTS, stream_slots

    before = dict(SLOTS["fire"])
    with pytest.raises(ValueError, match="already taken by IGNITE"):

        @stream_slots("fire")
        class Clash(IntEnum):
            NEW_DRAW = FireSlot.IGNITE

    with pytest.raises(ValueError, match="already taken"):  # an alias inside one enum

        @stream_slots("test.stream")
        class Alias(IntEnum):
            ONE = 0
            OTHER = 0

    SLOTS.pop("test.stream", None)
    SLOTS["fire"] = before
    assert SLOTS["fire"] == before


def test_kernels_address_draws_by_slot_name_not_number():
    """No draw in the package names its slot by a bare number."""
    import re
    from pathlib import Path

    import vicinity_sim

    root = Path(vicinity_sim.__file__).parent
    bare = re.compile(r"\buniform(?:_array)?\(\s*\w+\s*,\s*\d")
    offenders = [f"{p.relative_to(root)}:{i + 1}" for p in root.rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines())
                 if bare.search(line)]  # fmt: skip
    assert not offenders, offenders


def test_day_keys_are_the_keys_of_each_day():
    """The array of a stream's day keys holds ``key(process, day)`` at each day, for runs
    shorter and longer than one block of keys."""
    for days in (30, 5000):
        s = Streams(seed=11, replication=2, village=3)
        keys = s.day_keys("contacts", days)
        assert len(keys) >= days
        for day in (0, 1, days // 2, days - 1):
            assert keys[day] == Streams(seed=11, replication=2, village=3).key("contacts", day)
    assert Streams(1).day_keys("fire", 10)[4] != Streams(1).day_keys("contacts", 10)[4]
