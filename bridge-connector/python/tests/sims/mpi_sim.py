"""A simulation under mpirun: the bridge uses the mpi4py communicator (MPI.COMM_WORLD, wrapped
automatically), no rendezvous of its own. Each rank holds one row of a (size x 1) grid of 8x8
float32 chunks; rank r sends r + t at timestep t; after close, every rank prints what it read."""
import json
import os

import numpy as np
from mpi4py import MPI

from deisa_flink import Bridge

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
bridge = Bridge(bridge_id=rank,
                arrays_metadata={"temperature": {"chunk_shape": (8, 8), "nb_chunks_per_dim": (size, 1),
                                                 "nb_chunks_of_node": size, "dtype": "float32",
                                                 "chunk_position": (rank, 0)}},
                system_metadata=None, comm=comm)
for t in range(6):
    bridge.send("temperature", np.full((8, 8), rank + t, dtype=np.float32), t)
bridge.close(6)
result = json.dumps({"rank": rank, "mean": bridge.get("mean"), "max": bridge.get("max")})
os.write(1, (result + "\n").encode())   # one write: mpirun does not interleave it with another rank's
bridge.release()
