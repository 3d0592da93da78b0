/*
 * One MPI rank of the S1 and S3 benchmarks in C (libdeisa_bridge), the counterpart of
 * io.deisa.bench.process.BridgesMain and SlowdownRank (bin/bench runs it):
 *
 *   mpirun -np N bench_rank ingest --head H --chunk RxC --timesteps T --out PREFIX
 *   mpirun -np N bench_rank slowdown --size N --steps S [--warmup-steps W] --share-every K [--no-bridge] --head H --out PREFIX
 *
 * ingest: array "data", float64 chunks RxC on a (1 x N) grid, one per timestep, no simulation
 * work; writes PREFIX-<rank>.tsv: rank, t, sendStart, sendEnd, feedbackSeen (wall clock, ns).
 * slowdown: the heat2d solver (5-point stencil, r = 0.2, heater 1e-3, halo exchange over MPI) on a
 * size x size tile per rank, sharing the tile every K steps; writes rank, loopNanos, sendNanos, sends, sendMedianNanos.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "deisa_bridge.h"

static long long wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int compare_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* The median of n values (the mean of the middle two for even n), sorting them; 0 for none. */
static long long median_ll(long long *values, int n) {
    if (n == 0) return 0;
    qsort(values, (size_t)n, sizeof(long long), compare_ll);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void die(int rank, const char *what) {
    fprintf(stderr, "bench_rank %d: %s\n", rank, what);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (argc < 2) die(rank, "mode ingest or slowdown expected");
    const char *mode = argv[1], *head = NULL, *out = NULL;
    int rows = 0, cols = 0, timesteps = 0, size = 0, steps = 500, warmup = 0, share_every = 1, no_bridge = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--no-bridge")) { no_bridge = 1; continue; }
        if (i + 1 >= argc) die(rank, "an option lacks its value");
        const char *v = argv[++i];
        if (!strcmp(argv[i - 1], "--head")) head = v;
        else if (!strcmp(argv[i - 1], "--chunk")) { if (sscanf(v, "%dx%d", &rows, &cols) != 2) die(rank, "--chunk RxC"); }
        else if (!strcmp(argv[i - 1], "--timesteps")) timesteps = atoi(v);
        else if (!strcmp(argv[i - 1], "--size")) size = atoi(v);
        else if (!strcmp(argv[i - 1], "--steps")) steps = atoi(v);
        else if (!strcmp(argv[i - 1], "--warmup-steps")) warmup = atoi(v);
        else if (!strcmp(argv[i - 1], "--share-every")) share_every = atoi(v);
        else if (!strcmp(argv[i - 1], "--out")) out = v;
        else die(rank, argv[i - 1]);
    }
    if (!out) die(rank, "--out is required");
    char path[4096];
    snprintf(path, sizeof path, "%s-%d.tsv", out, rank);
    FILE *table = fopen(path, "w");
    if (!table) die(rank, "cannot write the timing table");
    deisa_bridge_t *bridge = NULL;
    if (!strcmp(mode, "ingest")) {
        int shape[2] = {rows, cols}, grid[2] = {1, ranks}, pos[2] = {0, rank};
        deisa_array_t array = {"data", 2, shape, grid, pos, 1, DEISA_FLOAT64};
        long long n = (long long)rows * cols;
        double *chunk = malloc(sizeof(double) * (size_t)n);
        for (long long i = 0; i < n; i++) chunk[i] = rank + i * 1e-6;
        if (deisa_bridge_init(MPI_COMM_WORLD, head, 1, &array, 120, &bridge)) die(rank, deisa_last_error(NULL));
        long long *rows_out = malloc(sizeof(long long) * 3 * (size_t)timesteps);
        for (int t = 0; t < timesteps; t++) {
            long long start = wall_ns();
            if (deisa_send(bridge, "data", chunk, n, DEISA_FLOAT64, t)) die(rank, deisa_last_error(bridge));
            rows_out[3 * t] = t;
            rows_out[3 * t + 1] = start;
            rows_out[3 * t + 2] = wall_ns();
        }
        if (deisa_close(bridge, timesteps - 1)) die(rank, deisa_last_error(bridge));
        deisa_bridge_free(bridge);
        fprintf(table, "rank\tt\tsendStart\tsendEnd\tfeedbackSeen\n");
        for (int t = 0; t < timesteps; t++)
            fprintf(table, "%d\t%lld\t%lld\t%lld\t0\n", rank, rows_out[3 * t], rows_out[3 * t + 1], rows_out[3 * t + 2]);
        free(rows_out);
        free(chunk);
    } else {
        int n = size, stride = n + 2;
        double *field = calloc((size_t)stride * stride, sizeof(double)), *next = calloc((size_t)stride * stride, sizeof(double));
        unsigned char *heated = calloc((size_t)stride * stride, 1);
        double *interior = malloc(sizeof(double) * (size_t)n * n), *west_in = malloc(sizeof(double) * n),
               *east_in = malloc(sizeof(double) * n), *west_out = malloc(sizeof(double) * n), *east_out = malloc(sizeof(double) * n);
        int total_cols = n * ranks, hr = n / 8 > 1 ? n / 8 : 1, hc = total_cols / 8 > 1 ? total_cols / 8 : 1;
#define AT(i, j) ((size_t)((i) + 1) * stride + (j) + 1)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                int gj = rank * n + j;
                field[AT(i, j)] = 20 + (gj + 0.5) / total_cols + (i + 0.5) / total_cols;
                heated[AT(i, j)] = i >= n / 2 - hr && i < n / 2 + hr && gj >= total_cols / 2 - hc && gj < total_cols / 2 + hc;
            }
        int west = rank > 0 ? rank - 1 : MPI_PROC_NULL, east = rank < ranks - 1 ? rank + 1 : MPI_PROC_NULL;
        MPI_Comm halos;
        MPI_Comm_dup(MPI_COMM_WORLD, &halos);
        long long send_ns = 0, loop_ns;
        int sends = 0, last = 0;
        /* one entry per share of the timed steps (sends is reset when they start) */
        long long *send_times = malloc(sizeof(long long) * (size_t)(warmup + steps + 1));
        if (!no_bridge) {
            int shape[2] = {n, n}, grid[2] = {1, ranks}, pos[2] = {0, rank};
            deisa_array_t array = {"data", 2, shape, grid, pos, 1, DEISA_FLOAT64};
            if (deisa_bridge_init(MPI_COMM_WORLD, head, 1, &array, 120, &bridge)) die(rank, deisa_last_error(NULL));
        }
        MPI_Barrier(halos);
        long long start = mono_ns();
        /* the first warmup steps run untimed, with the same sharing: the analytics reach their steady state */
        for (int s = 0; s < warmup + steps; s++) {
            if (s == warmup && warmup > 0) {
                MPI_Barrier(halos);
                start = mono_ns();
                send_ns = 0;
                sends = 0;
            }
            if (!no_bridge && s % share_every == 0) {
                for (int i = 0; i < n; i++) memcpy(interior + (size_t)i * n, field + AT(i, 0), sizeof(double) * n);
                long long t0 = mono_ns();   /* the copy above is Tile.interior() in Java: not counted */
                if (deisa_send(bridge, "data", interior, (long long)n * n, DEISA_FLOAT64, s)) die(rank, deisa_last_error(bridge));
                long long elapsed = mono_ns() - t0;
                send_ns += elapsed;
                send_times[sends++] = elapsed;
                last = s;
            }
            for (int i = 0; i < n; i++) { west_out[i] = field[AT(i, 0)]; east_out[i] = field[AT(i, n - 1)]; }
            MPI_Sendrecv(west_out, n, MPI_DOUBLE, west, 0, east_in, n, MPI_DOUBLE, east, 0, halos, MPI_STATUS_IGNORE);
            MPI_Sendrecv(east_out, n, MPI_DOUBLE, east, 1, west_in, n, MPI_DOUBLE, west, 1, halos, MPI_STATUS_IGNORE);
            for (int i = 0; i < n; i++) {
                field[AT(i, -1)] = west == MPI_PROC_NULL ? field[AT(i, 0)] : west_in[i];
                field[AT(i, n)] = east == MPI_PROC_NULL ? field[AT(i, n - 1)] : east_in[i];
            }
            memcpy(field + AT(-1, 0), field + AT(0, 0), sizeof(double) * n);
            memcpy(field + AT(n, 0), field + AT(n - 1, 0), sizeof(double) * n);
            for (int i = 0; i < n; i++) {
                size_t k = AT(i, 0);
                for (int j = 0; j < n; j++, k++) {
                    double u = field[k], v = u + 0.2 * (field[k - stride] + field[k + stride] + field[k - 1] + field[k + 1] - 4 * u);
                    next[k] = heated[k] ? v + 1e-3 : v;
                }
            }
            double *swap = field;
            field = next;
            next = swap;
        }
        loop_ns = mono_ns() - start;
        if (!no_bridge) {
            if (deisa_close(bridge, last)) die(rank, deisa_last_error(bridge));
            deisa_bridge_free(bridge);
        }
        MPI_Comm_free(&halos);
        fprintf(table, "rank\tloopNanos\tsendNanos\tsends\tsendMedianNanos\n%d\t%lld\t%lld\t%d\t%lld\n", rank, loop_ns,
                send_ns, sends, median_ll(send_times, sends));
        free(send_times);
        free(field); free(next); free(heated); free(interior); free(west_in); free(east_in); free(west_out); free(east_out);
    }
    fclose(table);
    MPI_Finalize();
    return 0;
}
