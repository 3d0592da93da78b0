"""deisa_flink bridges against the real Java analytics (StatisticsAnalytics on an embedded Flink
cluster): deisa-ray simulations with one changed import, TCP and mpi4py communicators, the
contract checks, collective mismatches, and the analytics dying mid-run."""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import BOUND, HERE, free_port, python_env, start_ranks, wait_ranks


def lines(output):
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_the_seeds_minimal_end_to_end_shape_runs_with_16_ranks_started_before_the_analytics(analytics, tmp_path):
    job = analytics()
    env = python_env(DEISA_HEAD=job.head, MASTER_PORT=free_port())
    ranks = start_ranks("seed_minimal.py", 16, env, tmp_path)
    # the simulation starts first: its bridges wait for the head (either order works)
    job.start()
    outputs = wait_ranks(ranks, tmp_path)
    assert job.wait() == 0, job.output()
    for rank, (code, out) in enumerate(outputs):
        assert code == 0, "rank %d:\n%s" % (rank, out)
        result = lines(out)[-1]
        assert result["close"] == 10
        # rank r sends 100 r + t everywhere: the global mean at t is 750 + t, the max 1500 + t
        assert result["mean"] == [[t, 750.0 + t] for t in range(10)]
        assert result["max_at_3"] == 1503.0
        assert result["missing"] is None
        assert result["missing_queue"] is None


def test_the_quick_start_snippet_runs_with_the_analytics_already_up(analytics, tmp_path):
    job = analytics().start()
    env = python_env(DEISA_HEAD=job.head, MASTER_PORT=free_port())
    outputs = wait_ranks(start_ranks("seed_quickstart.py", 4, env, tmp_path), tmp_path)
    assert job.wait() == 0, job.output()
    for code, out in outputs:
        assert code == 0, out
        assert lines(out)[-1]["mean"] == [[t, float(t)] for t in range(10)]


@pytest.mark.skipif(shutil.which("mpirun") is None, reason="needs Open MPI's mpirun (bin/setup installs it)")
def test_under_mpirun_with_the_mpi4py_communicator(analytics, tmp_path):
    job = analytics().start()
    env = python_env(DEISA_HEAD=job.head)
    proc = subprocess.run(
        ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "plm_rsh_agent", "false",
         "--mca", "btl_vader_single_copy_mechanism", "none", "-x", "PYTHONPATH", "-x", "DEISA_HEAD",
         "-np", "3", sys.executable, os.path.join(HERE, "sims", "mpi_sim.py")],
        env=env, capture_output=True, text=True, timeout=BOUND)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert job.wait() == 0, job.output()
    results = sorted(lines(proc.stdout), key=lambda r: r["rank"])
    assert [r["rank"] for r in results] == [0, 1, 2]
    for r in results:
        # rank r sends r + t: mean 1 + t, max 2 + t
        assert r["mean"] == [[t, 1.0 + t] for t in range(6)]
        assert r["max"] == [[t, 2.0 + t] for t in range(6)]


def test_every_contract_check_refuses_with_the_java_wording_and_sends_nothing(analytics, tmp_path):
    job = analytics().start()
    env = python_env(DEISA_HEAD=job.head, MASTER_PORT=free_port())
    [(code, out)] = wait_ranks(start_ranks("contract.py", 1, env, tmp_path), tmp_path)
    assert code == 0, out
    assert job.wait() == 0, job.output()
    cases = {r["case"]: r for r in lines(out)}
    prefix = "Bridge 0 cannot send array 'temperature' at timestep "
    expected = {
        "undeclared": "Bridge 0 cannot send array 'pressure' at timestep 0: the array was not declared "
                      "(declared arrays: ['temperature'])",
        "shape": prefix + "0: the chunk has shape (3, 2) (6 elements) but the declared chunk shape is (2, 3) "
                          "(6 elements)",
        "dtype": prefix + "0: the array is declared as float64 but a float32 array was given",
        "not an array": prefix + "0: the chunk is a list, not a numpy.ndarray",
        "repeated": prefix + "5: this bridge already sent that array at that timestep",
        "back": prefix + "4: timestep 4 is lower than timestep 5 sent earlier (timesteps of a bridge must not "
                         "decrease)",
        "after close": prefix + "9: the bridge is closed",
        "close twice": "Bridge 0 cannot close the run at timestep 9: the bridge is already closed",
        "after release": "Bridge 0 cannot get feedback 'mean': the bridge is closed",
    }
    for case, message in expected.items():
        assert cases[case]["error"] == "ContractError", cases[case]
        assert cases[case]["message"] == message
        assert cases[case]["value_error"] is True
    for case in ("first", "fortran order", "big endian"):
        assert cases[case]["error"] is None, cases[case]
    assert cases["close"]["value"] == 8
    # only the accepted sends reached the analytics: 0..5 at t 5, twice that at 6, three times at 7
    feedback = cases["feedback"]
    assert feedback["mean"] == [[5, 2.5], [6, 5.0], [7, 7.5]]
    assert feedback["max_7"] == 15.0
    assert feedback["none"] is None
    assert feedback["no_queue"] is None


def test_collective_calls_that_differ_fail_on_every_rank_naming_both_calls(analytics, tmp_path):
    job = analytics().start()
    env = python_env(DEISA_HEAD=job.head, MASTER_PORT=free_port())
    outputs = wait_ranks(start_ranks("mismatch.py", 2, env, tmp_path), tmp_path)
    assert job.wait() == 0, job.output()
    for rank, (code, out) in enumerate(outputs):
        assert code == 0, out
        assert lines(out)[-1]["error"] == ('Bridge %d: collective calls differ: rank 0 called get("mean", 0) #3 '
                                          'but rank 1 called get("mean", 1) #3' % rank)


def test_when_the_analytics_die_every_rank_gets_a_deisa_error_within_its_timeout(analytics, tmp_path):
    job = analytics().start().wait_listening()
    env = python_env(DEISA_HEAD=job.head, MASTER_PORT=free_port(), CONNECT_TIMEOUT=5)
    ranks = start_ranks("kill_target.py", 2, env, tmp_path)
    deadline = time.monotonic() + BOUND
    logs = [out.name for _, out in ranks]
    while not all('"sent": 20' in open(log).read() for log in logs):
        assert time.monotonic() < deadline, "the ranks did not reach timestep 20"
        assert all(p.poll() is None for p, _ in ranks), [open(log).read() for log in logs]
        time.sleep(0.05)
    job.kill()
    killed = time.monotonic()
    outputs = wait_ranks(ranks, tmp_path, timeout=60)
    for code, out in outputs:
        assert code == 0, out
        error = lines(out)[-1]["error"]
        assert error is not None
        assert "lost the analytics head at %s" % job.head in error
        assert "within the connect timeout of 5.0 s" in error
    # bounded by the connect timeout, not by anything longer
    assert time.monotonic() - killed < 30
