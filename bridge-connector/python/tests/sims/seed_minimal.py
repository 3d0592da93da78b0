"""deisa-ray's "minimal end-to-end shape" (User API page), with deisa_flink's import line.

Ranks are started by hand: RANK and WORLD_SIZE (16 for the 4x4 grid) come from the environment,
the head from DEISA_HEAD and the rendezvous port from MASTER_PORT (a free port instead of 29500).
What follows the seed's code only prints the feedback the analytics published, for the test.
"""
import json
import os

import numpy as np

from deisa_flink import Bridge

rank = int(os.environ["RANK"])
world_size = int(os.environ["WORLD_SIZE"])
chunk_position = (rank // 4, rank % 4)


def make_temperature_chunk(timestep):
    return np.full((64, 64), 100.0 * rank + timestep, dtype=np.float64)


# --- the seed's simulation, unchanged but for the import and the rendezvous port -------------------
bridge = Bridge(
    bridge_id=rank,
    arrays_metadata={
        "temperature": {
            "chunk_shape": (64, 64),
            "nb_chunks_per_dim": (4, 4),
            "nb_chunks_of_node": 4,
            "dtype": np.float64,
            "chunk_position": chunk_position,
        },
    },
    system_metadata={
        "world_size": world_size,
        "master_address": "127.0.0.1",
        "master_port": int(os.environ["MASTER_PORT"]),
    },
)
for timestep in range(10):
    bridge.send(
        array_name="temperature",
        chunk=make_temperature_chunk(timestep),
        timestep=timestep,
    )
result = bridge.close(timestep=10)
# --- end of the seed's code ---------------------------------------------------------------------

print(json.dumps({"rank": rank, "close": result, "mean": bridge.get("mean"),
                  "max_at_3": bridge.get("max", timestep=3), "missing": bridge.get("nothing", timestep=3),
                  "missing_queue": bridge.get("nothing")}))
