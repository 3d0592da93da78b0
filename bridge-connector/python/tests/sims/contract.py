"""One bridge (a world of 1) that makes every call the contract refuses, then a valid run; prints
each refusal's type and message, then the feedback, as JSON lines."""
import json
import os

import numpy as np

from deisa_flink import Bridge, ContractError, DeisaError

bridge = Bridge(0, {"temperature": {"chunk_shape": (2, 3), "nb_chunks_per_dim": (1, 1), "dtype": "<f8",
                                    "chunk_position": (0, 0)}},
                {"world_size": 1, "master_address": "127.0.0.1", "master_port": int(os.environ["MASTER_PORT"]),
                 "connect_timeout": 60})
good = np.arange(6, dtype=np.float64).reshape(2, 3)


def attempt(label, call):
    try:
        call()
        print(json.dumps({"case": label, "error": None}))
    except (ContractError, DeisaError, ValueError) as e:
        print(json.dumps({"case": label, "error": type(e).__name__, "message": str(e),
                          "value_error": isinstance(e, ValueError)}))


attempt("undeclared", lambda: bridge.send("pressure", good, 0))
attempt("shape", lambda: bridge.send("temperature", np.zeros((3, 2)), 0))
attempt("dtype", lambda: bridge.send("temperature", good.astype(np.float32), 0))
attempt("not an array", lambda: bridge.send("temperature", [[0.0] * 3] * 2, 0))
attempt("first", lambda: bridge.send("temperature", good, 5))
attempt("repeated", lambda: bridge.send("temperature", good, 5))
attempt("back", lambda: bridge.send("temperature", good, 4))
attempt("fortran order", lambda: bridge.send("temperature", np.asfortranarray(good * 2), 6))
attempt("big endian", lambda: bridge.send("temperature", (good * 3).astype(">f8"), 7))
print(json.dumps({"case": "close", "value": bridge.close(8)}))
attempt("after close", lambda: bridge.send("temperature", good, 9))
attempt("close twice", lambda: bridge.close(9))
print(json.dumps({"case": "feedback", "mean": bridge.get("mean"), "max_7": bridge.get("max", timestep=7),
                  "none": bridge.get("max", timestep=99), "no_queue": bridge.get("nothing")}))
bridge.release()
attempt("after release", lambda: bridge.get("mean", 5))
