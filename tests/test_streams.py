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
