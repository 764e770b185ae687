"""The city as one system: villages as units, spread over workers, meeting monthly.

A city run must give byte-identical outputs however its villages are spread over workers —
in this process, over 2 or 3 local worker processes with any partitioning, or over a real Dask
scheduler and worker — and a worker killed mid-run must end it with one line and no output.
The villages' units must be the villages of the whole city's world, share its rain days, and
add up to the city's series by the declared rules.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import weakref
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, scenario, scenario_from_dict

from vicinity_sim.city import CityRun, simulate_city
from vicinity_sim.city.combine import RULES, WEIGHTS, combine
from vicinity_sim.city.partition import balance, loads
from vicinity_sim.city.units import VillageUnit
from vicinity_sim.cli import main
from vicinity_sim.interventions.waves import need_scores
from vicinity_sim.model import VicinityModel
from vicinity_sim.processes import registered
from vicinity_sim.runs import run_files, simulate
from vicinity_sim.streams import Streams
from vicinity_sim.world import build_world

#: Four small villages of different sizes; 45 days cross the month boundary of 1 May.
SIZES = [(90, 900), (60, 500), (120, 1300), (50, 400)]


def city_data(days: int = 45, sizes=SIZES, waves: bool = True, order: str = "need") -> dict:
    """The whole program in a small city, adopted in two waves (one village untreated)."""
    data = scenario("xiamen_program").model_dump(mode="python")
    data["run"]["days"] = days
    data["villages"] = [
        {"name": f"v{i}", "plan": {"n_buildings": b, "city_station_distance_m": 1500.0 + 900 * i},
         "population": {"n_residents": r}}
        for i, (b, r) in enumerate(sizes)
    ]  # fmt: skip
    if waves:
        data["rollout"] = {"order": order, "waves": [
            {"name": "pilot", "start_day": 0, "villages": 1},
            {"name": "push", "start_day": 20, "villages": 2},
        ]}  # fmt: skip
    return data


@cache
def small_city():
    return scenario_from_dict(city_data(), "small city")


def digests(result) -> dict[str, str]:
    """SHA-256 of every output file but the manifest (which records timings)."""
    return {k: hashlib.sha256(v).hexdigest() for k, v in run_files(result).items()
            if k != "manifest.json"}  # fmt: skip


@cache
def single_process() -> dict[str, str]:
    return digests(simulate(small_city(), seed=5))


# -- byte-identical outputs ------------------------------------------------------------------


def test_two_and_three_local_workers_and_any_partitioning_are_byte_identical():
    one = single_process()
    assert set(one) >= {"timeseries.parquet", "fire_events.parquet", "summary.json",
                        "villages.parquet", "agents/landlords.parquet"}  # fmt: skip
    two = digests(simulate_city(small_city(), seed=5, workers=2))
    three = digests(simulate_city(small_city(), seed=5, partitions=[[2], [0, 3], [1]]))
    assert two == one
    assert three == one


def test_villages_reported_one_at_a_time_give_the_same_outputs(monkeypatch):
    """At the end of a run the partitions report their villages in batches and let each go
    once reported; batches of one village change no byte of the outputs."""
    import vicinity_sim.city.run as city_run

    monkeypatch.setattr(city_run, "FINISH_BATCH", 1)
    one_by_one = simulate_city(small_city(), seed=5, partitions=[[2], [0, 3], [1]])
    assert digests(one_by_one) == single_process()


def test_a_partition_lets_a_village_go_once_it_has_reported_it():
    from vicinity_sim.city.worker import Partition

    part = Partition(small_city(), [0, 1, 3], seed=5, replication=0)
    part.build()
    part.start({})
    part.advance(3)
    world = weakref.ref(part.units[0].world)
    first = part.finish(2)
    assert list(first) == [0, 1] and list(part.units) == [3]
    assert world() is None  # the village's state is gone, not waiting for a collection
    events, agents = first[0]
    assert "day" in events and "landlords" in agents
    assert list(part.finish()) == [3] and not part.units


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster():
    """A real Dask scheduler and a worker process with two single-threaded workers."""
    pytest.importorskip("distributed")
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dask",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        **quiet,
    )
    workers = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dask",
            "worker",
            f"tcp://127.0.0.1:{port}",
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
        ],
        **quiet,
    )
    try:
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(f"tcp://127.0.0.1:{port}", timeout=5) as c:
                    if len(c.scheduler_info()["workers"]) == 2:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "the Dask cluster did not come up"
            time.sleep(0.3)
        yield f"dask://127.0.0.1:{port}"
    finally:
        for p in (workers, scheduler):
            p.terminate()
            p.wait(timeout=30)


def test_a_real_dask_scheduler_and_workers_give_identical_outputs_and_report_a_lost_worker(
    dask_cluster,
):
    assert digests(simulate_city(small_city(), seed=5, workers=2,
                                 executor=dask_cluster)) == single_process()  # fmt: skip
    # A worker killed mid-run: one line naming it, not a hang.
    from distributed import Client

    with Client(dask_cluster.replace("dask://", "tcp://"), timeout=5) as c:
        pids = list(c.run(os.getpid).values())
    long = scenario_from_dict(city_data(days=4000, waves=False), "long city")
    killer = _Killer(pids[0], delay=3.0)
    killer.start()
    t0 = time.monotonic()
    try:
        simulate_city(long, seed=1, workers=2, executor=dask_cluster)
        pytest.fail("the run went on without the killed worker")  # pragma: no cover
    except Exception as e:  # the actors' worker is gone
        assert type(e).__name__ == "WorkerError", repr(e)
        assert "left the cluster" in str(e) and "\n" not in str(e)
    assert time.monotonic() - t0 < 60


def test_an_actor_whose_worker_is_known_lost_gives_the_one_line_error():
    """Between two months the client may learn that a worker is gone before the next call
    starts: distributed then refuses the call on the actor itself, with a ``RuntimeError``.
    That is the same lost worker, reported in one line as such, not a traceback."""
    from vicinity_sim.city.run import DaskActors
    from vicinity_sim.errors import WorkerError

    class LostActor:
        def __getattr__(self, name):
            raise RuntimeError("Worker holding Actor was lost.  Status: error")

    class Client:
        def scheduler_info(self):
            return {"workers": {}}

    backend = object.__new__(DaskActors)
    backend.actors = [LostActor()]
    backend.where = ["tcp://127.0.0.1:1"]
    backend.describe = ["village A"]
    backend.client = Client()
    with pytest.raises(WorkerError) as err:
        backend.call("advance", [(30, {}, True)], stage="the days 2024-01-01 to 2024-01-30")
    message = str(err.value)
    assert "left the cluster" in message and "village A" in message and "\n" not in message


def test_a_worker_the_client_cannot_reach_is_reported_gone_once_the_scheduler_sees_it(
    monkeypatch,
):
    """A killed worker's actor call may fail to connect (``OSError``) while the scheduler still
    lists the worker: the run waits for the scheduler to remove it and then says the worker
    left the cluster. A worker still listed after the grace is reported as failing, with the
    connection error."""
    import vicinity_sim.city.run as city_run
    from vicinity_sim.city.run import DaskActors
    from vicinity_sim.errors import WorkerError

    class Unreachable:
        def result(self, timeout):
            raise OSError("Unable to contact Actor's worker")

    class Client:
        def __init__(self, listed_for):
            self.asked, self.listed_for = 0, listed_for

        def scheduler_info(self):
            self.asked += 1
            gone = self.asked > self.listed_for
            return {"workers": {} if gone else {"tcp://127.0.0.1:1": {}}}

    def backend(client):
        b = object.__new__(DaskActors)
        b.where, b.describe, b.client = ["tcp://127.0.0.1:1"], ["village A"], client
        return b

    monkeypatch.setattr(city_run, "POLL_S", 0.01)
    late = Client(listed_for=3)  # the scheduler notices on its fourth answer
    with pytest.raises(WorkerError) as err:
        backend(late)._wait(Unreachable(), 0, "the days 2024-01-01 to 2024-01-30")
    assert "left the cluster" in str(err.value) and late.asked == 4
    monkeypatch.setattr(city_run, "LEAVE_GRACE_S", 0.05)
    with pytest.raises(WorkerError) as err:
        backend(Client(listed_for=10**6))._wait(Unreachable(), 0, "the days")
    message = str(err.value)
    assert "failed during the days" in message and "Unable to contact" in message
    assert "\n" not in message


class _Killer:
    def __init__(self, pid: int, delay: float) -> None:
        import threading

        self.thread = threading.Thread(target=self._run, args=(pid, delay), daemon=True)

    def start(self) -> None:
        self.thread.start()

    @staticmethod
    def _run(pid: int, delay: float) -> None:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)


# -- a worker killed mid-run -----------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d.name))
    return out


def _cpu_s(pid: int) -> float:
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_killed_mid_run_is_one_line_and_leaves_no_output(tmp_path):
    path = tmp_path / "city.toml"
    data = city_data(days=6000, waves=False)
    data["villages"] = [{"name": v["name"], "plan": v["plan"], "population": v["population"]}
                        for v in data["villages"]]  # fmt: skip
    lines = ["[run]", "days = 6000", ""]
    for v in data["villages"]:
        lines += ["[[villages]]", f'name = "{v["name"]}"', "[villages.plan]",
                  f"n_buildings = {v['plan']['n_buildings']}", "[villages.population]",
                  f"n_residents = {v['population']['n_residents']}", ""]  # fmt: skip
    path.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "vicinity_sim.cli", "run", str(path),
                             "--workers", "2", "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        servers = [p for p in _children(proc.pid)]
        workers = [
            w
            for s in servers
            for w in _children(s)
            if b"resource_tracker" not in (Path("/proc") / str(w) / "cmdline").read_bytes()
        ]
        try:
            if len(workers) >= 2 and min(_cpu_s(w) for w in workers) > 1.0:
                break
        except OSError:
            pass
        time.sleep(0.1)
    assert proc.poll() is None and len(workers) >= 2, proc.communicate()
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    shown = [ln for ln in err.replace("\r", "\n").splitlines() if ln.startswith("vicinity-sim")]
    assert len(shown) == 1 and "Traceback" not in err, err
    assert "died" in shown[0] and "nothing was written" in shown[0]
    assert not out.exists() or not any(out.iterdir())
    time.sleep(1.0)
    assert not [
        w
        for w in workers[1:]
        if Path(f"/proc/{w}").exists()
        and (Path(f"/proc/{w}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    ]


# -- the villages as units -------------------------------------------------------------------


def test_every_metric_has_a_rule_for_adding_up_the_city():
    metrics = [m for c in registered() for m in c.metrics]
    missing = [m for m in metrics if m not in RULES]
    assert not missing, f"metrics without a rule in vicinity_sim.city.combine.RULES: {missing}"
    for how in RULES.values():
        assert how == "sum" or how in WEIGHTS or how.removeprefix("metric:") in RULES


def test_combine_weights_means_by_what_they_are_means_of_and_skips_undefined_values():
    values = np.array([[1.0, np.nan], [3.0, 2.0]])
    weights = np.array([[1.0, 5.0], [3.0, 1.0]])
    assert np.allclose(combine(values, weights), [2.5, 2.0])
    assert np.isnan(combine(np.array([[np.nan]]), np.array([[1.0]])))[0]
    assert np.array_equal(combine(values[:, :1], None), [4.0])


def test_a_village_unit_is_exactly_that_village_of_the_whole_city():
    sc = small_city()
    whole = build_world(sc.villages, Streams(5), sc.source)
    unit = VillageUnit(sc, 2, 5, 0).world
    mine = whole.buildings.village == 2
    b0 = int(np.nonzero(mine)[0][0])
    assert np.array_equal(unit.buildings.x, whole.buildings.x[mine])
    owners = whole.buildings.owner[mine]
    assert np.array_equal(unit.buildings.owner - unit.buildings.owner.min(),
                          owners - owners.min())  # fmt: skip
    r = whole.residents.village == 2
    assert np.array_equal(unit.residents.building + b0, whole.residents.building[r])
    assert np.array_equal(unit.residents.trust_inst, whole.residents.trust_inst[r])
    first = int(np.nonzero(r)[0][0])
    to = whole.ties.to[r]
    assert np.array_equal(np.where(unit.ties.to[:, : to.shape[1]] >= 0,
                                   unit.ties.to[:, : to.shape[1]] + first, -1), to)  # fmt: skip
    assert unit.village_ids.tolist() == [2]


def test_villages_share_the_citys_rain_days_wherever_they_run():
    data = city_data(days=200, waves=False)
    data["run"]["disabled_processes"] = [c.name for c in registered() if c.name != "weather"]
    sc = scenario_from_dict(data, "rain")
    whole = VicinityModel(sc, rng=2)
    units = [VillageUnit(sc, v, 2, 0) for v in range(len(sc.villages))]
    for u in units:
        u.start(None)
    for _ in range(200):
        whole.step()
        for v, u in enumerate(units):
            u.model.step()
            assert u.model.world.villages.heavy_rain[0] == whole.world.villages.heavy_rain[v]
            assert u.model.world.villages.wind_ms[0] == whole.world.villages.wind_ms[v]
    rain = whole.datacollector.column("heavy_rain_villages")
    assert np.any(rain == len(units)) and np.any((rain > 0) & (rain < len(units)))


def test_workers_get_equal_shares_of_residents_not_of_villages():
    residents = [100_000, 37_500, 9_000, 8_000, 7_000, 6_000, 5_000, 5_000, 4_000, 3_000]
    parts = balance(residents, 2)
    assert sorted(v for p in parts for v in p) == list(range(10))
    share = loads(residents, parts)
    assert max(share) == 100_000  # the largest village alone is the most one worker can get
    parts3 = balance([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 3)
    assert (
        max(loads([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], parts3))
        - min(loads([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], parts3))
        <= 2
    )
    assert balance([5, 5], 4) == [[0], [1]]


# -- staggered rollout -----------------------------------------------------------------------


def test_the_neediest_villages_join_first_and_the_city_agrees_with_one_model_of_it():
    sc = small_city()
    run = CityRun(sc, seed=5)
    infos = [VillageUnit(sc, v, 5, 0).info() for v in range(4)]
    waves = run._waves(infos)
    need = need_scores(np.stack([i.indicators for i in infos]))
    order = np.argsort(-need, kind="stable")
    assert waves[order[0]] == "pilot"
    assert [waves[i] for i in order[1:3]] == ["push", "push"]
    assert waves[order[3]] is None
    assert VicinityModel(sc, rng=5).village_waves == waves


def test_a_random_order_varies_with_the_seed_and_is_the_same_for_the_same_seed():
    sc = scenario_from_dict(city_data(sizes=[(40, 300)] * 8, order="random"), "random")
    infos = [VillageUnit(sc, v, 0, 0).info() for v in range(8)]
    orders = {s: tuple(CityRun(sc, seed=s)._waves(infos)) for s in range(6)}
    assert orders[3] == tuple(CityRun(sc, seed=3)._waves(infos))
    assert len(set(orders.values())) > 1


def test_each_village_starts_its_rollout_on_its_waves_day_and_untreated_ones_get_nothing():
    result = simulate(small_city(), seed=5)
    panel = pd.DataFrame(result.panel)
    assert len(panel) == 4 * 2  # villages × months (April, part of May)
    by_village = panel.groupby("village")
    spent = by_village["cost_cny"].sum()
    start = by_village["program_start_day"].first()
    wave = by_village["wave"].first()
    assert set(wave) == {"pilot", "push", ""}
    assert (spent[wave == ""] == 0).all() and (spent[wave != ""] > 0).all()
    assert (start[wave == "pilot"] == 0).all() and (start[wave == "push"] == 20).all()
    april = panel[panel["month"] == panel["month"].min()]
    assert april.loc[april["wave"] == "pilot", "cost_cny"].iloc[0] > 0
    # A push village's first 20 days cost nothing: the same village with the pilot's start
    # would have spent in them.
    push = [v for v, w in wave.items() if w == "push"]
    days = result.columns
    assert days["cost_cny"][:20].sum() > 0  # the pilot village spends from day 0
    assert np.all(panel.loc[panel["village"].isin(push), "program_months"].to_numpy()
                  == np.tile([0, 1], len(push)))  # fmt: skip


def test_bad_waves_are_one_line_errors(tmp_path, capsys):
    path = tmp_path / "w.toml"
    parent = ROOT / "scenarios" / "xiamen_villages_program.toml"
    path.write_text(f'extends = "{parent}"\n[rollout]\norder = "listed"\n[[rollout.waves]]\n'
                    'name = "a"\nstart_day = 0\nnames = ["weili", "nowhere"]\n',
                    encoding="utf-8")  # fmt: skip
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"vicinity-sim: error: {path}: rollout.waves[0].names[1]: "
                   "no village 'nowhere'")  # fmt: skip
    assert main(["run", str(path), "--workers", "0"]) == 2
    assert "--workers: must be at least 1" in capsys.readouterr().err


def test_the_reference_engine_runs_a_city_to_the_same_series():
    """Both engines run a city the same way, with the housing market on: the Mesa-agent
    units give the fast units' series, panel and summary (the market's moves) exactly, the
    landlords reading the applicants turned away on 1 June."""
    data = city_data(days=65, sizes=[(40, 300), (30, 250), (30, 200)])
    data["city"] = {"housing_market": True}
    for k, v in enumerate(data["villages"]):
        v["plan"]["city_x_km"] = 2.0 * k
    sc = scenario_from_dict(data, "ref")
    run = CityRun(sc, seed=2)
    fast, ref = run.run(), simulate(sc, seed=2, engine="reference")
    assert run.exchange.ledger[0].day == 30 and run.exchange.ledger[0].turned_away > 0
    assert fast.summary == ref.summary and fast.summary["moves_between_villages"] > 0
    assert fast.columns.keys() == ref.columns.keys()
    for name, values in fast.columns.items():
        assert np.array_equal(np.asarray(values), np.asarray(ref.columns[name]), equal_nan=True), (
            name
        )
    assert pd.DataFrame(fast.panel).equals(pd.DataFrame(ref.panel))


def test_the_city_generator_makes_larger_cities_from_the_same_distributions(tmp_path):
    import runpy

    generate = runpy.run_path(str(ROOT / "scenarios" / "city" / "generate.py"))
    out = tmp_path / "big.toml"
    generate["main"](["--residents", "5000000", "--villages", "240", "--name", "big",
                      "--out", str(out)])  # fmt: skip
    from vicinity_sim.scenario import load_scenario

    sc = load_scenario(out)
    residents = np.array([v.population.n_residents for v in sc.villages])
    assert sc.name == "big" and len(residents) == 240 and residents.sum() == 5_000_000
    assert residents.min() >= 3_000 and residents.max() <= 100_000
    assert [v.name for v in sc.villages[:2]] == ["weili", "xinan"]


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_a_partition_hands_freed_memory_back() -> None:
    """After a batch of reports a worker returns the freed heap to the system (glibc keeps
    freed blocks below its raised mmap threshold in the process otherwise)."""
    from vicinity_sim.city.worker import _malloc_trim, release_freed_memory

    if _malloc_trim() is None:
        pytest.skip("the C library has no malloc_trim")

    def resident() -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    big = np.ones(4_000_000)  # freeing a 32 MB block raises glibc's mmap threshold to it
    del big
    blocks = [np.ones(200_000) for _ in range(300)]  # 480 MB in 1.6 MB blocks, now on the heap
    last = blocks[-1]  # a live block at the top: only freeing inside the heap can help
    del blocks
    before = resident()
    release_freed_memory()
    assert before - resident() > 200e6
    assert last.sum() == 200_000


def test_a_month_record_crosses_processes_as_one_table_and_unchanged() -> None:
    """A unit's record is pickled with its series packed into one table, and comes back with
    the same names in the same order, the same dtypes and the same bytes (NaN included)."""
    import pickle

    from vicinity_sim.city.units import UnitDays

    values = {"b_metric": np.array([1.0, np.nan, -0.0]), "a_metric": np.array([2.0, 3.0, 4.0])}
    weights = {"residents": np.full(3, 7.0)}
    record = UnitDays(3, 31, 34, values, weights, {"x": 1.0}, offer=("offer", 5))
    state = record.__getstate__()
    assert isinstance(state["values"], tuple) and state["values"][1].shape == (2, 3)
    back = pickle.loads(pickle.dumps(record))
    assert list(back.values) == ["b_metric", "a_metric"] and list(back.weights) == ["residents"]
    for name, series in values.items():
        assert back.values[name].dtype == series.dtype
        assert back.values[name].tobytes() == series.tobytes()
    assert (back.position, back.first, back.end, back.panel, back.offer) == (
        3, 31, 34, {"x": 1.0}, ("offer", 5))  # fmt: skip
    # Series that do not make one table travel as they are.
    ragged = UnitDays(0, 0, 2, {"a": np.zeros(2), "b": np.zeros(3)}, {}, {})
    assert pickle.loads(pickle.dumps(ragged)).values["b"].shape == (3,)
