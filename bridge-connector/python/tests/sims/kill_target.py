"""Ranks that send every timestep until the analytics go away; each prints how its run ended."""
import json
import os
import time

import numpy as np

from deisa_flink import Bridge, DeisaError

rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
bridge = Bridge(rank, {"temperature": {"chunk_shape": (16, 16), "nb_chunks_per_dim": (world, 1),
                                       "dtype": "float64", "chunk_position": (rank, 0)}},
                {"world_size": world, "master_address": "127.0.0.1", "master_port": int(os.environ["MASTER_PORT"]),
                 "connect_timeout": float(os.environ["CONNECT_TIMEOUT"])})
print(json.dumps({"rank": rank, "joined": True}), flush=True)
start = time.monotonic()
try:
    for t in range(1_000_000):
        bridge.send("temperature", np.full((16, 16), float(t)), t)
        if t == 20:
            print(json.dumps({"rank": rank, "sent": 20}), flush=True)
    print(json.dumps({"rank": rank, "error": None}))
except DeisaError as e:
    print(json.dumps({"rank": rank, "error": str(e), "after": time.monotonic() - start}))
