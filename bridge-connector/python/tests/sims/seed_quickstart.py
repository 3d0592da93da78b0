"""The simulation snippet of deisa-ray's Quick Start, with deisa_flink's import line.

The snippet shows bridge 0 of a world of 4 that holds chunk (0, 0) of a 4x4 grid; run as it is, the
other 15 chunks would have no owner. This runs it as every rank of a world of 4 whose grid is
2x2 (RANK from the environment), with the rendezvous port from MASTER_PORT.
"""
import json
import os

import numpy as np
from deisa_flink import Bridge

rank = int(os.environ["RANK"])
world_size = 4
sys_md = {
    "world_size": world_size,
    "master_address": "127.0.0.1",
    "master_port": int(os.environ["MASTER_PORT"]),
}
arrays_md = {
    "temperature": {
        "chunk_shape": (64, 64),
        "nb_chunks_per_dim": (2, 2),
        "nb_chunks_of_node": 1,
        "dtype": np.float64,
        "chunk_position": (rank // 2, rank % 2),
    }
}
bridge = Bridge(
    bridge_id=rank,
    arrays_metadata=arrays_md,
    system_metadata=sys_md,
)
for t in range(10):
    chunk = np.ones((64, 64), dtype=np.float64) * t
    bridge.send(array_name="temperature", chunk=chunk, timestep=t)
bridge.close(timestep=10)
print(json.dumps({"rank": rank, "mean": bridge.get("mean")}))
