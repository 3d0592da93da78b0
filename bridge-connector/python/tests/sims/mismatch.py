"""Two ranks whose collective calls differ (rank r asks for timestep r): both must get a
ContractError naming both calls, and neither may hang."""
import json
import os

import numpy as np

from deisa_flink import Bridge, ContractError

rank = int(os.environ["RANK"])
bridge = Bridge(rank, {"temperature": {"chunk_shape": (4,), "nb_chunks_per_dim": (2,), "dtype": "int32",
                                       "chunk_position": (rank,)}},
                {"world_size": 2, "master_address": "127.0.0.1", "master_port": int(os.environ["MASTER_PORT"])})
bridge.send("temperature", np.arange(4, dtype=np.int32) + 4 * rank, 0)
bridge.close(1)
try:
    bridge.get("mean", timestep=rank)
    print(json.dumps({"rank": rank, "error": None}))
except ContractError as e:
    print(json.dumps({"rank": rank, "error": str(e)}))
