/*
 * deisa_bridge.h: the simulation side of deisa-flink for C, C++ and (through the module
 * deisa_bridge) Fortran.
 *
 * One bridge per MPI rank shares that rank's chunk of each distributed array with the deisa-flink
 * analytics job at every shared timestep, and reads back the feedback the analytics publish. The
 * bridge id is the rank in the communicator given to deisa_bridge_init, the world size its size.
 * It speaks the deisa wire protocol (docs/PROTOCOL.md, version 4) with the job's head (the
 * "host:port" given, or $DEISA_HEAD, else 127.0.0.1:29600) and serves its chunks to the job's
 * reader from a TCP endpoint of its own. It needs MPI and the C library only.
 *
 * Every function returns one of the DEISA_* codes and never exits the process. When a call fails,
 * deisa_last_error(b) returns its message, which names the bridge, the array and the timestep as
 * the Java bridge does, e.g.
 *   "Bridge 3 cannot send array 'temperature' at timestep 7: the chunk has 100 elements but the
 *    declared chunk shape [64, 64] holds 4096".
 * Chunks are row-major (C order), flattened, in the machine's (little-endian) byte order.
 *
 * Thread safety: one thread per bridge makes its calls (as MPI collectives require); the bridge
 * runs one background thread of its own.
 */
#ifndef DEISA_BRIDGE_H
#define DEISA_BRIDGE_H

#include <mpi.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEISA_BRIDGE_VERSION "0.1.0"
/** The wire protocol version this library speaks (docs/PROTOCOL.md). */
#define DEISA_PROTOCOL_VERSION 4

typedef struct deisa_bridge deisa_bridge_t;

/** Element types of chunks (NumPy names int8 ... float64). */
typedef enum {
    DEISA_INT8, DEISA_INT16, DEISA_INT32, DEISA_INT64,
    DEISA_UINT8, DEISA_UINT16, DEISA_UINT32, DEISA_UINT64,
    DEISA_FLOAT32, DEISA_FLOAT64
} deisa_dtype_t;

/** One array this rank shares: the metadata of the chunk it owns. The arrays are copied. */
typedef struct {
    const char *name;            /* non-empty, unique among the arrays */
    int ndim;                    /* 1 .. 32 */
    const int *chunk_shape;      /* ndim entries each, every entry > 0 */
    const int *chunks_per_dim;   /* the chunk grid of the whole array, every entry > 0 */
    const int *chunk_position;   /* 0 <= chunk_position[i] < chunks_per_dim[i] */
    int chunks_of_node;          /* chunks of this array on this host; 0 means 1 */
    deisa_dtype_t dtype;
} deisa_array_t;

enum {
    DEISA_OK = 0,
    DEISA_INVALID_ARGUMENT,      /* a bad argument of this call; nothing happened */
    DEISA_CONTRACT_ERROR,        /* the call breaks the bridge's contract; nothing was sent */
    DEISA_TIMEOUT,               /* a bounded wait ran out (head unreachable, world incomplete) */
    DEISA_ANALYTICS_FAILED       /* the analytics job failed or was lost; the run cannot go on */
};

/**
 * Collective over comm: creates this rank's bridge, connects to the head (retrying until
 * connect_timeout_s seconds; the simulation and the analytics may start in either order),
 * registers the arrays and returns once every rank of comm has registered. On failure *bridge is
 * NULL and deisa_last_error(NULL) tells why. connect_timeout_s <= 0 means 120 s.
 */
int deisa_bridge_init(MPI_Comm comm, const char *head, int n_arrays, const deisa_array_t *arrays,
                      double connect_timeout_s, deisa_bridge_t **bridge);

/**
 * Makes this rank's chunk of array_name at timestep available to the analytics (one copy of
 * n_elements elements of dtype; the caller may reuse chunk on return). Timesteps of a bridge
 * never decrease and one (array, timestep) is sent once. Blocks while the analytics lag more than
 * their maxSimulationAhead timesteps behind, or while the bridge's buffer
 * ($DEISA_BRIDGE_BUFFER_BYTES, default 256 MiB) is full.
 * DEISA_CONTRACT_ERROR: undeclared array, dtype or element count other than declared, a timestep
 * lower than an earlier one, the same array twice at one timestep, a closed bridge.
 */
int deisa_send(deisa_bridge_t *b, const char *array_name, const void *chunk, long long n_elements,
               deisa_dtype_t dtype, long long timestep);

/**
 * Collective: the feedback value published under name at exactly timestep, as a double: a float
 * as is, an integer converted, a boolean as 0 or 1. *found is 0 (and *value unchanged) when no
 * value is retained, or the value is null. A value of another type (string, list, map) is
 * DEISA_INVALID_ARGUMENT naming its type. Rank 0 asks the analytics and broadcasts the answer.
 * Works after deisa_close, until deisa_bridge_free.
 */
int deisa_get_double(deisa_bridge_t *b, const char *name, long long timestep, double *value, int *found);

/**
 * Collective: ends the run at timestep; returns once the analytics received every chunk of this
 * rank and ran their last callbacks.
 */
int deisa_close(deisa_bridge_t *b, long long timestep);

/**
 * Releases the bridge's sockets, thread and memory; NULL is fine. Without deisa_close first the
 * analytics are told that this bridge left abnormally, so the job fails naming it.
 */
void deisa_bridge_free(deisa_bridge_t *b);

/** The message of b's last failing call (never NULL); with b NULL, this thread's last init error. */
const char *deisa_last_error(const deisa_bridge_t *b);

/** For Fortran: deisa_bridge_init with a Fortran communicator handle. */
int deisa_bridge_init_f(MPI_Fint comm, const char *head, int n_arrays, const deisa_array_t *arrays,
                        double connect_timeout_s, deisa_bridge_t **bridge);

#ifdef __cplusplus
}
#endif

#endif /* DEISA_BRIDGE_H */
