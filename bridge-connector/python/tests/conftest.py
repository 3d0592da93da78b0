"""Fixtures of the Python bridge's tests: free ports, and the Java analytics job run for real
(``io.deisa.cluster.StatisticsAnalytics`` on an embedded Flink cluster, built by ``mvn install``),
which publishes the global ``mean``, ``min`` and ``max`` of ``temperature`` at every timestep."""

import glob
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)  # the package under test, wherever pytest runs from
REPO = os.path.abspath(os.path.join(PYTHON_DIR, "..", ".."))
JVM_OPENS = ["--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
             "--add-opens=java.base/java.lang=ALL-UNNAMED"]
#: Every wait of these tests is bounded by this (seconds).
BOUND = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def analytics_classpath():
    jars = glob.glob(os.path.join(REPO, "cluster", "target", "deisa-cluster-*-analytics.jar"))
    cp_file = os.path.join(REPO, "cluster", "target", "flink-classpath.txt")
    if not jars or not os.path.exists(cp_file):
        pytest.fail("the analytics jar is not built: run `mvn install -DskipTests` (bin/test does) first")
    with open(cp_file) as f:
        return jars[0] + os.pathsep + f.read().strip()


class Analytics:
    """The Java analytics in their own JVM; ``head`` is where the simulation finds them."""

    def __init__(self, tmp_path, extra_args=()):
        self.port = free_port()
        self.head = "127.0.0.1:%d" % self.port
        self.log_path = str(tmp_path / ("analytics-%d.log" % self.port))
        self.args = list(extra_args)
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["java", "-Xmx1g", "-XX:+UseSerialGC", *JVM_OPENS, "-Drest.port=0", "-cp", analytics_classpath(),
             "io.deisa.cluster.StatisticsAnalytics", "--head", self.head, *self.args],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_listening(self, timeout=BOUND):
        """Returns once the head accepts connections (for simulations with a short connect timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    pytest.fail("the analytics head never listened on %s; log:\n%s" % (self.head, self.output()))
                time.sleep(0.1)

    def wait(self, timeout=BOUND):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("the analytics did not end within %d s; log:\n%s" % (timeout, self.output()))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def output(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()


@pytest.fixture
def analytics(tmp_path):
    started = []

    def make(*extra_args):
        a = Analytics(tmp_path, extra_args)
        started.append(a)
        return a

    yield make
    for a in started:
        a.kill()


def python_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start_ranks(script, world_size, env, tmp_path, args=()):
    """``world_size`` processes of ``script`` started by hand, rank in $RANK."""
    procs = []
    for rank in range(world_size):
        out = open(str(tmp_path / ("rank-%d.log" % rank)), "w")
        procs.append((subprocess.Popen([sys.executable, os.path.join(HERE, "sims", script), *args],
                                       env=dict(env, RANK=str(rank), WORLD_SIZE=str(world_size)),
                                       stdout=out, stderr=subprocess.STDOUT), out))
    return procs


def wait_ranks(procs, tmp_path, timeout=BOUND):
    """Waits for every rank (bounded); returns their outputs, in rank order."""
    deadline = time.monotonic() + timeout
    outputs = []
    for rank, (proc, out) in enumerate(procs):
        try:
            proc.wait(max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p, _ in procs:
                p.kill()
            pytest.fail("rank %d did not end within %d s" % (rank, timeout))
        out.close()
        with open(out.name) as f:
            outputs.append((proc.returncode, f.read()))
    return outputs
