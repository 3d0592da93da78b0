"""The conformance client in Python (io.deisa.conformance.ConformancePattern): every dtype in 1 to 4
dimensions, the pattern's values at every timestep, then close and every feedback value type read
back and checked. RANK, WORLD_SIZE, MASTER_PORT and TIMESTEPS from the environment."""
import json
import os

import numpy as np

from deisa_flink import Bridge

DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]
rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
timesteps = int(os.environ.get("TIMESTEPS", "6"))

arrays = {}
for k, dtype in enumerate(DTYPES):
    ndim = 1 + k % 4
    arrays["a_" + dtype] = {"chunk_shape": tuple([2 + k % 3] + [2] * (ndim - 1)),
                            "nb_chunks_per_dim": tuple([world] + [1] * (ndim - 1)), "nb_chunks_of_node": 1,
                            "dtype": dtype, "chunk_position": tuple([rank] + [0] * (ndim - 1))}


def chunk(name, t):
    md = arrays[name]
    n = int(np.prod(md["chunk_shape"]))
    values = (31 * rank + 7 * t + np.arange(n)) % 100
    if md["dtype"].startswith("float"):
        values = values + 0.5
    return values.astype(md["dtype"]).reshape(md["chunk_shape"])


bridge = Bridge(rank, arrays, {"world_size": world, "master_address": "127.0.0.1",
                               "master_port": int(os.environ["MASTER_PORT"]), "connect_timeout": 60})
for t in range(timesteps):
    for name in arrays:
        bridge.send(name, chunk(name, t), t)
assert bridge.close(timesteps) == timesteps
problems = []
for t in range(timesteps):
    expected = {"double": t + 0.25, "long": 1000 + t, "bool": t % 2 == 0, "null": None, "string": "s%d" % t,
                "doubles": [float(t), t + 0.5], "list": [t, "x", True], "map": {"t": t}}
    for key, value in expected.items():
        got = bridge.get(key, timestep=t)
        if got != value or type(got) is not type(value):
            problems.append("get(%r, %d) = %r, expected %r" % (key, t, got, value))
queue = bridge.get("long")
if queue != [(t, 1000 + t) for t in range(timesteps)]:
    problems.append("get('long') = %r" % (queue,))
if bridge.get("absent", timestep=0) is not None or bridge.get("absent") is not None:
    problems.append("an absent key is not None")
bridge.release()
print(json.dumps({"rank": rank, "problems": problems}))
