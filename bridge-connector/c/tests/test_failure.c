/*
 * The analytics die mid-run (the driver kills their JVM once rank 0 printed "reached timestep
 * 20"): every rank must get DEISA_ANALYTICS_FAILED, naming the lost head, within its connect
 * timeout (5 s) and none may hang; deisa_bridge_free still releases everything.
 */
#include <stdlib.h>
#include "deisa_bridge.h"
#include "check.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int shape[1] = {1024}, grid[1] = {size}, pos[1] = {rank};
    deisa_array_t arrays[1] = {{"temperature", 1, shape, grid, pos, 0, DEISA_FLOAT64}};
    deisa_bridge_t *b = NULL;
    int rc = deisa_bridge_init(MPI_COMM_WORLD, NULL, 1, arrays, 5, &b);
    CHECK_RC(rc, DEISA_OK, NULL);
    if (rc) MPI_Abort(MPI_COMM_WORLD, 1);
    static double chunk[1024];
    rc = DEISA_OK;
    long long t;
    for (t = 0; t < 1000000 && rc == DEISA_OK; t++) {
        for (int i = 0; i < 1024; i++) chunk[i] = (double)t;
        rc = deisa_send(b, "temperature", chunk, 1024, DEISA_FLOAT64, t);
        if (t == 20 && rank == 0) {
            printf("reached timestep 20\n");
            fflush(stdout);
        }
    }
    CHECK_RC(rc, DEISA_ANALYTICS_FAILED, b);
    CHECK_CONTAINS(b, "lost the analytics head at");
    CHECK_CONTAINS(b, "within the connect timeout of 5.0 s");
    /* later calls fail the same way, at once */
    CHECK_RC(deisa_send(b, "temperature", chunk, 1024, DEISA_FLOAT64, t + 1), DEISA_ANALYTICS_FAILED, b);
    fprintf(stderr, "rank %d stopped at timestep %lld: %s\n", rank, t, deisa_last_error(b));
    deisa_bridge_free(b);
    MPI_Finalize();
    return check_failures ? 1 : 0;
}
