"""The city's monthly exchange: the interface a city housing market plugs into.

An exchange that really changes the villages must see every village's offer at each month
boundary but the run's end, in scenario order, and its deliveries must reach each village
before it simulates the boundary's day — with byte-identical outputs however the villages are
partitioned.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from helpers import scenario_from_dict
from test_city import city_data

import vicinity_sim.city.run as city_run
import vicinity_sim.city.worker as city_worker
from vicinity_sim.city import CityRun
from vicinity_sim.city.exchange import Exchange, NoExchange, city_exchange
from vicinity_sim.city.market import HousingMarket
from vicinity_sim.runs import run_files


class TrustNudge(Exchange):
    """A test exchange: each village offers its mean institutional trust; the coordinator
    sends every village a nudge towards the city's mean, scaled by a draw of the exchange
    stream; the village applies it to its residents' trust."""

    def __init__(self) -> None:
        self.log: list[tuple] = []
        self.settled = 0

    def offer(self, unit, day):
        self.log.append(("offer", unit.position, day, unit.model.day))
        return float(unit.world.residents.trust_inst.mean())

    def settle(self, day, offers, rng):
        self.settled += 1
        self.log.append(("settle", day, tuple(offers)))
        city = float(np.mean(offers))
        return {p: 0.5 * rng.random() * (city - v) for p, v in enumerate(offers)}

    def receive(self, unit, delivery, day):
        self.log.append(("receive", unit.position, day, unit.model.day))
        trust = unit.world.residents.trust_inst
        trust[:] = np.clip(trust + delivery, 0.0, 1.0)

    def outcomes(self):
        return {"exchange_boundaries": self.settled}


def _digests(files: dict[str, bytes]) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in files.items() if k != "manifest.json"}


@pytest.fixture
def nudged(monkeypatch):
    """Every exchange made in this process is a TrustNudge, and partitions stay in this
    process (so the test's exchange is the one the workers make)."""
    made: list[TrustNudge] = []

    def make(scenario):
        made.append(TrustNudge())
        return made[-1]

    monkeypatch.setattr(city_run, "city_exchange", make)
    monkeypatch.setattr(city_worker, "city_exchange", make)
    monkeypatch.setattr(
        city_run, "LocalProcesses", lambda kwargs, describe: city_run.InProcess(kwargs)
    )
    return made


def test_the_exchange_trades_at_each_month_boundary_the_same_on_any_partitioning(nudged):
    sc = scenario_from_dict(city_data(days=45), "small city")
    plain = CityRun(sc, seed=5)
    runs = {}
    for parts in ([[0, 1, 2, 3]], [[0, 2], [1, 3]], [[3], [0], [1, 2]]):
        nudged.clear()
        run = CityRun(sc, seed=5, workers=len(parts), partitions=parts)
        files = run_files(run.run())
        runs[len(parts)] = (_digests(files), list(nudged), files["summary.json"])
    digests = [d for d, _, _ in runs.values()]
    assert digests[0] == digests[1] == digests[2]

    coordinator, *partitions = runs[2][1]
    assert len(partitions) == 2
    boundary = int(city_run.month_boundaries(plain.calendar)[0])  # 1 May; 45 days end after it
    assert coordinator.settled == 1  # not at the run's end
    (settle,) = [e for e in coordinator.log if e[0] == "settle"]
    assert settle[1] == boundary and len(settle[2]) == 4
    events = [e for p in partitions for e in p.log]
    offers = sorted(e for e in events if e[0] == "offer")
    receives = sorted(e for e in events if e[0] == "receive")
    # every village offers after simulating the days before the boundary, and takes in its
    # delivery before simulating the boundary's day
    assert offers == [("offer", p, boundary, boundary) for p in range(4)]
    assert receives == [("receive", p, boundary, boundary) for p in range(4)]
    assert '"exchange_boundaries": 1' in runs[2][2].decode()


def test_a_city_scenario_without_a_market_has_no_exchange_and_the_default_trades_nothing():
    sc = scenario_from_dict(city_data(days=45), "small city")
    assert isinstance(city_exchange(sc), NoExchange)
    data = city_data(days=45)
    data["city"] = {"housing_market": True}
    assert isinstance(city_exchange(scenario_from_dict(data, "market")), HousingMarket)
    ex = NoExchange()
    assert ex.settle(31, [None] * 4, np.random.default_rng(0)) == {}
    assert ex.outcomes() == {}
    assert ex.last_offer(None, 45) is None and ex.close(45, [None] * 4, None) is None


def test_an_exchange_that_changes_villages_changes_the_outputs(nudged, monkeypatch):
    sc = scenario_from_dict(city_data(days=45), "small city")
    with_nudge = _digests(run_files(CityRun(sc, seed=5).run()))
    monkeypatch.setattr(city_run, "city_exchange", lambda scenario: NoExchange())
    monkeypatch.setattr(city_worker, "city_exchange", lambda scenario: NoExchange())
    without = _digests(run_files(CityRun(sc, seed=5).run()))
    assert with_nudge["timeseries.parquet"] != without["timeseries.parquet"]
