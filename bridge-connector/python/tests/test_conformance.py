"""The Python bridge against the protocol's conformance head (io.deisa.conformance.ConformanceHead),
which checks every frame it sends: every dtype in 1 to 4 dimensions, every element, sequences,
ordering, back-pressure, END, and every feedback value type read back."""
import json
import os
import subprocess

import pytest

from conftest import BOUND, JVM_OPENS, analytics_classpath, free_port, python_env, start_ranks, wait_ranks


@pytest.mark.parametrize("drop", [None, 2], ids=["steady head", "head failing over after timestep 2"])
def test_the_python_bridge_conforms(tmp_path, drop):
    port = free_port()
    extra = [] if drop is None else ["--drop-head-at", str(drop)]
    head = subprocess.Popen(["java", "-Xmx256m", *JVM_OPENS, "-cp", analytics_classpath(),
                             "io.deisa.conformance.ConformanceHead", "--head", "127.0.0.1:%d" % port,
                             "--world", "3", "--timesteps", "6", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    env = python_env(DEISA_HEAD="127.0.0.1:%d" % port, MASTER_PORT=free_port(), TIMESTEPS=6)
    outputs = wait_ranks(start_ranks("conformance_client.py", 3, env, tmp_path), tmp_path)
    verdict, _ = head.communicate(timeout=BOUND)
    assert head.returncode == 0, verdict
    assert "CONFORMANCE OK: 3 bridge(s), 180 chunk(s)" in verdict
    for code, out in outputs:
        assert code == 0, out
        assert json.loads(out.splitlines()[-1])["problems"] == []
