/*
 * A run against the Java analytics (io.deisa.cluster.StatisticsAnalytics, which publishes the
 * global mean, min and max of "temperature" at every timestep): every rank holds one 16x16 float64
 * chunk of a (size x 1) grid and sends rank + 10 t at timestep t. It checks every refusal of
 * deisa_send with its message, that refused calls send nothing, the feedback read back
 * collectively (during the run and after deisa_close), and every return code of bad arguments.
 * Run under mpirun by ctest through run_with_analytics.py (which may start the analytics late).
 */
#include <math.h>
#include <stdlib.h>
#include "deisa_bridge.h"
#include "check.h"

#define N 16
#define STEPS 8

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int shape[2] = {N, N}, grid[2] = {size, 1}, pos[2] = {rank, 0};
    deisa_array_t arrays[1] = {{"temperature", 2, shape, grid, pos, 0, DEISA_FLOAT64}};
    deisa_bridge_t *b = NULL;

    /* bad arguments: INVALID_ARGUMENT with a message, nothing happens */
    int bad_pos[2] = {size, 0};
    deisa_array_t outside[1] = {{"temperature", 2, shape, grid, bad_pos, 0, DEISA_FLOAT64}};
    CHECK_RC(deisa_bridge_init(MPI_COMM_WORLD, NULL, 1, outside, 5, &b), DEISA_INVALID_ARGUMENT, NULL);
    CHECK(b == NULL, "no bridge after a failed init");
    char expected[512];
    snprintf(expected, sizeof expected, "Bridge %d: array 'temperature': chunk_position [%d, 0] is outside the grid [%d, 1]",
             rank, size, size);
    CHECK_MSG(NULL, expected);
    CHECK_RC(deisa_bridge_init(MPI_COMM_WORLD, NULL, 0, arrays, 5, &b), DEISA_INVALID_ARGUMENT, NULL);
    snprintf(expected, sizeof expected, "Bridge %d declares no array (n_arrays 0)", rank);
    CHECK_MSG(NULL, expected);
    CHECK_RC(deisa_bridge_init(MPI_COMM_WORLD, "no-port-here", 1, arrays, 5, &b), DEISA_INVALID_ARGUMENT, NULL);
    CHECK_CONTAINS(NULL, "head 'no-port-here' is not host:port");
    CHECK_RC(deisa_bridge_init(MPI_COMM_WORLD, NULL, 1, arrays, 5, NULL), DEISA_INVALID_ARGUMENT, NULL);
    /* nothing listens there: DEISA_TIMEOUT after 1 s, naming the address */
    CHECK_RC(deisa_bridge_init(MPI_COMM_WORLD, "127.0.0.1:1", 1, arrays, 1, &b), DEISA_TIMEOUT, NULL);
    snprintf(expected, sizeof expected, "Bridge %d could not reach the analytics head at 127.0.0.1:1 within the connect "
             "timeout of 1.0 s (last error: Connection refused). Is the analytics job running, and is DEISA_HEAD / "
             "deisa_bridge_init's head right?", rank);
    CHECK_MSG(NULL, expected);
    CHECK(b == NULL, "no bridge after a timeout");

    /* the real bridge: the analytics may start after it (connect timeout 60 s) */
    int rc = deisa_bridge_init(MPI_COMM_WORLD, NULL, 1, arrays, 60, &b);
    CHECK_RC(rc, DEISA_OK, NULL);
    if (rc != DEISA_OK) {
        fprintf(stderr, "init failed: %s\n", deisa_last_error(NULL));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    double *chunk = malloc(sizeof(double) * N * N);
    float wrong[N * N];
    memset(wrong, 0, sizeof wrong);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "Bridge %d cannot send array ", rank);

    for (long long t = 0; t < STEPS; t++) {
        for (int i = 0; i < N * N; i++) chunk[i] = rank + 10.0 * t;
        if (t == 2) {
            CHECK_RC(deisa_send(b, "pressure", chunk, N * N, DEISA_FLOAT64, t), DEISA_CONTRACT_ERROR, b);
            snprintf(expected, sizeof expected, "%s'pressure' at timestep 2: the array was not declared (declared arrays: [temperature])", prefix);
            CHECK_MSG(b, expected);
            CHECK_RC(deisa_send(b, "temperature", wrong, N * N, DEISA_FLOAT32, t), DEISA_CONTRACT_ERROR, b);
            snprintf(expected, sizeof expected, "%s'temperature' at timestep 2: the array is declared as float64 but a float32 chunk was given", prefix);
            CHECK_MSG(b, expected);
            CHECK_RC(deisa_send(b, "temperature", chunk, N * N - 1, DEISA_FLOAT64, t), DEISA_CONTRACT_ERROR, b);
            snprintf(expected, sizeof expected, "%s'temperature' at timestep 2: the chunk has 255 elements but the declared chunk shape [16, 16] holds 256", prefix);
            CHECK_MSG(b, expected);
            CHECK_RC(deisa_send(b, "temperature", NULL, N * N, DEISA_FLOAT64, t), DEISA_CONTRACT_ERROR, b);
            CHECK_CONTAINS(b, "the chunk is NULL");
        }
        CHECK_RC(deisa_send(b, "temperature", chunk, N * N, DEISA_FLOAT64, t), DEISA_OK, b);
        /* the simulation may overwrite its array at once: the bridge copied it */
        for (int i = 0; i < N * N; i++) chunk[i] = -1;
        if (t == 3) {
            CHECK_RC(deisa_send(b, "temperature", chunk, N * N, DEISA_FLOAT64, t), DEISA_CONTRACT_ERROR, b);
            snprintf(expected, sizeof expected, "%s'temperature' at timestep 3: this bridge already sent that array at that timestep", prefix);
            CHECK_MSG(b, expected);
            CHECK_RC(deisa_send(b, "temperature", chunk, N * N, DEISA_FLOAT64, 2), DEISA_CONTRACT_ERROR, b);
            snprintf(expected, sizeof expected, "%s'temperature' at timestep 2: timestep 2 is lower than timestep 3 sent earlier (timesteps of a bridge must not decrease)", prefix);
            CHECK_MSG(b, expected);
        }
        if (t >= 2) {
            /* with maxSimulationAhead 1 the analytics finished t - 2 before this send returned */
            double mean = 0;
            int found = 0;
            CHECK_RC(deisa_get_double(b, "mean", t - 2, &mean, &found), DEISA_OK, b);
            double want = (size - 1) / 2.0 + 10.0 * (t - 2);
            CHECK(found && fabs(mean - want) < 1e-12, "mean at %lld: found %d value %g, expected %g", t - 2, found, mean, want);
        }
    }
    CHECK_RC(deisa_close(b, STEPS), DEISA_OK, b);
    for (long long t = 0; t < STEPS; t++) {
        double max = 0;
        int found = 0;
        CHECK_RC(deisa_get_double(b, "max", t, &max, &found), DEISA_OK, b);
        CHECK(found && max == size - 1 + 10.0 * t, "max at %lld after close: found %d value %g", t, found, max);
    }
    double missing = 42;
    int found = 1;
    CHECK_RC(deisa_get_double(b, "nothing", 3, &missing, &found), DEISA_OK, b);
    CHECK(!found && missing == 42, "a missing value leaves value alone and found 0");
    CHECK_RC(deisa_send(b, "temperature", chunk, N * N, DEISA_FLOAT64, STEPS + 1), DEISA_CONTRACT_ERROR, b);
    snprintf(expected, sizeof expected, "%s'temperature' at timestep %d: the bridge is closed", prefix, STEPS + 1);
    CHECK_MSG(b, expected);
    CHECK_RC(deisa_close(b, STEPS), DEISA_CONTRACT_ERROR, b);
    snprintf(expected, sizeof expected, "Bridge %d cannot close the run at timestep %d: the bridge is already closed", rank, STEPS);
    CHECK_MSG(b, expected);
    deisa_bridge_free(b);
    deisa_bridge_free(NULL);
    free(chunk);
    MPI_Finalize();
    if (check_failures) fprintf(stderr, "rank %d: %d check(s) failed\n", rank, check_failures);
    else printf("rank %d: all checks passed\n", rank);
    return check_failures ? 1 : 0;
}
