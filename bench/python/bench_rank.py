"""One MPI rank of the S1 and S3 benchmarks in Python (deisa_flink with the mpi4py communicator),
the counterpart of io.deisa.bench.process.BridgesMain and SlowdownRank.

    mpirun -np N python3 bench_rank.py ingest --head H --chunk RxC --timesteps T --out PREFIX
    mpirun -np N python3 bench_rank.py slowdown --size N --steps S [--warmup-steps W] --share-every K [--no-bridge] --head H --out PREFIX

ingest: array "data", float64 chunks RxC on a (1 x N) grid, one per timestep, no simulation work;
writes PREFIX-<rank>.tsv with rank, t, sendStart, sendEnd, feedbackSeen (wall clock, ns).
slowdown: the heat2d solver (5-point stencil, r = 0.2, heater 1e-3, halo exchange over MPI) on a
size x size tile per rank, sharing the tile every K steps; writes rank, loopNanos, sendNanos, sends,
sendMedianNanos.
"""
import argparse
import statistics
import time

import numpy as np
from mpi4py import MPI

from deisa_flink import Bridge


def write(path, header, rows):
    with open(path, "w") as out:
        out.write("\t".join(header) + "\n")
        for row in rows:
            out.write("\t".join(str(int(v)) for v in row) + "\n")


def ingest(args, comm):
    rank, world = comm.Get_rank(), comm.Get_size()
    rows, cols = (int(v) for v in args.chunk.split("x"))
    chunk = rank + np.arange(rows * cols, dtype=np.float64).reshape(rows, cols) * 1e-6
    bridge = Bridge(rank, {"data": {"chunk_shape": (rows, cols), "nb_chunks_per_dim": (1, world),
                                    "dtype": np.float64, "chunk_position": (0, rank)}},
                    {"head": args.head, "connect_timeout": 120}, comm=comm)
    table = []
    for t in range(args.timesteps):
        start = time.time_ns()
        bridge.send("data", chunk, t)
        table.append((rank, t, start, time.time_ns(), 0))
    bridge.close(args.timesteps - 1)
    bridge.release()
    write("%s-%d.tsv" % (args.out, rank), ["rank", "t", "sendStart", "sendEnd", "feedbackSeen"], table)


def slowdown(args, comm):
    rank, ranks = comm.Get_rank(), comm.Get_size()
    n = args.size
    x = (np.arange(n * ranks)[rank * n:(rank + 1) * n] + 0.5) / (n * ranks)
    y = (np.arange(n) + 0.5) / (n * ranks)
    field = np.zeros((n + 2, n + 2))
    field[1:-1, 1:-1] = 20 + x[None, :] + y[:, None]
    heated = np.zeros((n, n), dtype=bool)
    half = max(1, n // 8)
    gcols = np.arange(rank * n, (rank + 1) * n)
    heated[n // 2 - half:n // 2 + half, :] = ((gcols >= n * ranks // 2 - max(1, n * ranks // 8))
                                               & (gcols < n * ranks // 2 + max(1, n * ranks // 8)))[None, :]
    west = rank - 1 if rank > 0 else MPI.PROC_NULL
    east = rank + 1 if rank < ranks - 1 else MPI.PROC_NULL
    halos = comm.Dup()
    west_in, east_in = np.empty(n), np.empty(n)
    # The step writes into buffers allocated once, as a tuned numpy solver does. With numpy's
    # temporaries (512 KiB each at 256²) every step went through glibc's mmap/trim cycle and took
    # 5-17 times longer (3.4 against 0.20 ms at 256², 23-25 against 4.7 ms at 1024²), by an amount
    # that depended on what else the process had allocated: the solver ran faster with a bridge
    # than without one.
    heat = np.where(heated, 1e-3, 0.0)
    lap, nxt = np.empty((n, n)), np.empty((n, n))

    def step():
        halos.Sendrecv(np.ascontiguousarray(field[1:-1, 1]), dest=west, recvbuf=east_in, source=east)
        halos.Sendrecv(np.ascontiguousarray(field[1:-1, n]), dest=east, recvbuf=west_in, source=west)
        field[1:-1, 0] = field[1:-1, 1] if west == MPI.PROC_NULL else west_in
        field[1:-1, n + 1] = field[1:-1, n] if east == MPI.PROC_NULL else east_in
        field[0, 1:-1] = field[1, 1:-1]
        field[n + 1, 1:-1] = field[n, 1:-1]
        u = field[1:-1, 1:-1]
        # nxt = u + 0.2 * (north + south + west + east - 4 u) + heat
        np.add(field[:-2, 1:-1], field[2:, 1:-1], out=lap)
        np.add(lap, field[1:-1, :-2], out=lap)
        np.add(lap, field[1:-1, 2:], out=lap)
        np.multiply(u, 4, out=nxt)
        np.subtract(lap, nxt, out=lap)
        np.multiply(lap, 0.2, out=nxt)
        np.add(nxt, u, out=nxt)
        np.add(nxt, heat, out=nxt)
        u[...] = nxt

    send_ns, sends, send_times = 0, 0, []
    if args.no_bridge:
        for _ in range(args.warmup_steps):
            step()
        halos.Barrier()
        start = time.monotonic_ns()
        for _ in range(args.steps):
            step()
        loop_ns = time.monotonic_ns() - start
    else:
        bridge = Bridge(rank, {"data": {"chunk_shape": (n, n), "nb_chunks_per_dim": (1, ranks), "dtype": np.float64,
                                        "chunk_position": (0, rank)}},
                        {"head": args.head, "connect_timeout": 120}, comm=comm)
        last = 0
        halos.Barrier()
        start = time.monotonic_ns()
        # the first warmup steps run untimed, with the same sharing: the analytics reach their steady state
        for s in range(args.warmup_steps + args.steps):
            if s == args.warmup_steps and args.warmup_steps > 0:
                halos.Barrier()
                start = time.monotonic_ns()
                send_ns, sends, send_times = 0, 0, []
            if s % args.share_every == 0:
                interior = field[1:-1, 1:-1].copy()   # as Tile.interior() in Java: not counted in send
                t0 = time.monotonic_ns()
                bridge.send("data", interior, s)
                elapsed = time.monotonic_ns() - t0
                send_ns += elapsed
                send_times.append(elapsed)
                sends += 1
                last = s
            step()
        loop_ns = time.monotonic_ns() - start
        bridge.close(last)
        bridge.release()
    halos.Free()
    send_median = int(statistics.median(send_times)) if send_times else 0
    write("%s-%d.tsv" % (args.out, rank), ["rank", "loopNanos", "sendNanos", "sends", "sendMedianNanos"],
          [(rank, loop_ns, send_ns, sends, send_median)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ingest", "slowdown"])
    parser.add_argument("--head")
    parser.add_argument("--chunk")
    parser.add_argument("--timesteps", type=int)
    parser.add_argument("--size", type=int)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--warmup-steps", type=int, default=0)
    parser.add_argument("--share-every", type=int, default=1)
    parser.add_argument("--no-bridge", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    (ingest if args.mode == "ingest" else slowdown)(args, MPI.COMM_WORLD)


if __name__ == "__main__":
    main()
