/*
 * heat2d in C: the same plate, physics, steering and output as the Java example
 * (io.deisa.examples.heat2d): explicit 5-point diffusion on a rows x cols plate decomposed over
 * procRows x procCols MPI ranks, zero-flux edges, a centred heater whose power the analytics lower
 * once the plate's mean exceeds their threshold. Every share_every steps each rank shares its tile
 * as "temperature" (float64, chunk position = its coordinates) and reads back "heater_power".
 *
 *   mpirun -np 4 heat2d_c --grid 256x256 --ranks 2x2 --steps 2000 --share-every 10 --alpha 1
 *       --cfl 0.2 --initial-temperature 300 --power 50000 --head 127.0.0.1:29600 --timeout 120
 *
 * Each rank prints "heat2d rank R final: t=... sum=... min=... max=... cells=... power=...", the
 * line the Java demo checks the analytics against.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deisa_bridge.h"

typedef struct {
    int rows, cols, prows, pcols, steps, share_every;
    double alpha, cfl, initial, power, timeout;
    const char *head;
} config_t;

static int parse(int argc, char **argv, config_t *c) {
    *c = (config_t){256, 256, 2, 2, 2000, 10, 1.0, 0.2, 300.0, 50000.0, 120.0, NULL};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--grid")) { if (sscanf(v, "%dx%d", &c->rows, &c->cols) != 2) return -1; }
        else if (!strcmp(k, "--ranks")) { if (sscanf(v, "%dx%d", &c->prows, &c->pcols) != 2) return -1; }
        else if (!strcmp(k, "--steps")) c->steps = atoi(v);
        else if (!strcmp(k, "--share-every")) c->share_every = atoi(v);
        else if (!strcmp(k, "--alpha")) c->alpha = atof(v);
        else if (!strcmp(k, "--cfl")) c->cfl = atof(v);
        else if (!strcmp(k, "--initial-temperature")) c->initial = atof(v);
        else if (!strcmp(k, "--power")) c->power = atof(v);
        else if (!strcmp(k, "--head")) c->head = v;
        else if (!strcmp(k, "--timeout")) c->timeout = atof(v);
        else if (!strcmp(k, "--threshold") || !strcmp(k, "--steer-factor")) { /* the analytics' options */ }
        else { fprintf(stderr, "heat2d_c: unknown option %s\n", k); return -1; }
    }
    if (c->rows % c->prows || c->cols % c->pcols || c->steps % c->share_every) {
        fprintf(stderr, "heat2d_c: the grid must divide over the ranks and share-every must divide steps\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    config_t c;
    if (parse(argc, argv, &c) || size != c.prows * c.pcols) {
        if (rank == 0) fprintf(stderr, "heat2d_c: bad arguments or %d ranks for a %dx%d decomposition\n", size, c.prows, c.pcols);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    int rows = c.rows / c.prows, cols = c.cols / c.pcols, stride = cols + 2;
    int prow = rank / c.pcols, pcol = rank % c.pcols;
    int north = prow > 0 ? rank - c.pcols : MPI_PROC_NULL, south = prow < c.prows - 1 ? rank + c.pcols : MPI_PROC_NULL;
    int west = pcol > 0 ? rank - 1 : MPI_PROC_NULL, east = pcol < c.pcols - 1 ? rank + 1 : MPI_PROC_NULL;
    double h = 1.0 / c.cols, dt = c.cfl * h * h / c.alpha;
    int half_rows = c.rows / 8 > 1 ? c.rows / 8 : 1, half_cols = c.cols / 8 > 1 ? c.cols / 8 : 1;
    int hr0 = c.rows / 2 - half_rows, hr1 = c.rows / 2 + half_rows, hc0 = c.cols / 2 - half_cols, hc1 = c.cols / 2 + half_cols;
    double heater_cells = (double)(hr1 - hr0) * (hc1 - hc0);
    size_t cells = (size_t)(rows + 2) * stride;
    double *field = calloc(cells, sizeof *field), *next = calloc(cells, sizeof *next);
    unsigned char *heated = calloc(cells, 1);
    double *chunk = malloc(sizeof(double) * rows * cols);
    double *west_out = malloc(sizeof(double) * rows), *east_out = malloc(sizeof(double) * rows);
    double *west_in = malloc(sizeof(double) * rows), *east_in = malloc(sizeof(double) * rows);
#define AT(i, j) ((size_t)((i) + 1) * stride + (j) + 1)
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            int gi = prow * rows + i, gj = pcol * cols + j;
            field[AT(i, j)] = c.initial;
            heated[AT(i, j)] = gi >= hr0 && gi < hr1 && gj >= hc0 && gj < hc1;
        }
    int shape[2] = {rows, cols}, grid[2] = {c.prows, c.pcols}, pos[2] = {prow, pcol};
    deisa_array_t array = {"temperature", 2, shape, grid, pos, 0, DEISA_FLOAT64};
    deisa_bridge_t *bridge = NULL;
    if (deisa_bridge_init(MPI_COMM_WORLD, c.head, 1, &array, c.timeout, &bridge) != DEISA_OK) {
        fprintf(stderr, "heat2d_c rank %d: %s\n", rank, deisa_last_error(NULL));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    double power = c.power;
    for (int t = 0;; t += c.share_every) {
        for (int i = 0; i < rows; i++) memcpy(chunk + (size_t)i * cols, field + AT(i, 0), sizeof(double) * cols);
        int rc = deisa_send(bridge, "temperature", chunk, (long long)rows * cols, DEISA_FLOAT64, t);
        /* steering: the newest heater power the analytics published for an earlier share */
        for (int back = 1; rc == DEISA_OK && back <= 2; back++) {
            double value;
            int found = 0;
            long long when = t - (long long)back * c.share_every;
            if (when < 0) break;
            rc = deisa_get_double(bridge, "heater_power", when, &value, &found);
            if (rc == DEISA_OK && found) {
                power = value;
                break;
            }
        }
        if (rc != DEISA_OK) {
            fprintf(stderr, "heat2d_c rank %d at step %d: %s\n", rank, t, deisa_last_error(bridge));
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        if (t == c.steps) break;
        double heating = dt * power / (heater_cells * h * h);
        for (int s = 0; s < c.share_every; s++) {
            /* halo exchange; an edge without neighbour mirrors itself (zero flux) */
            MPI_Sendrecv(field + AT(0, 0), cols, MPI_DOUBLE, north, 0, field + AT(rows, 0), cols, MPI_DOUBLE, south, 0,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(field + AT(rows - 1, 0), cols, MPI_DOUBLE, south, 1, field + AT(-1, 0), cols, MPI_DOUBLE, north, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            for (int i = 0; i < rows; i++) { west_out[i] = field[AT(i, 0)]; east_out[i] = field[AT(i, cols - 1)]; }
            MPI_Sendrecv(west_out, rows, MPI_DOUBLE, west, 2, east_in, rows, MPI_DOUBLE, east, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(east_out, rows, MPI_DOUBLE, east, 3, west_in, rows, MPI_DOUBLE, west, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            for (int i = 0; i < rows; i++) {
                field[AT(i, -1)] = west == MPI_PROC_NULL ? field[AT(i, 0)] : west_in[i];
                field[AT(i, cols)] = east == MPI_PROC_NULL ? field[AT(i, cols - 1)] : east_in[i];
            }
            if (north == MPI_PROC_NULL) memcpy(field + AT(-1, 0), field + AT(0, 0), sizeof(double) * cols);
            if (south == MPI_PROC_NULL) memcpy(field + AT(rows, 0), field + AT(rows - 1, 0), sizeof(double) * cols);
            for (int i = 0; i < rows; i++) {
                size_t k = AT(i, 0);
                for (int j = 0; j < cols; j++, k++) {
                    double u = field[k];
                    double laplacian = field[k - stride] + field[k + stride] + field[k - 1] + field[k + 1] - 4 * u;
                    double v = u + c.cfl * laplacian;
                    next[k] = heated[k] ? v + heating : v;
                }
            }
            double *swap = field;
            field = next;
            next = swap;
        }
    }
    if (deisa_close(bridge, c.steps) != DEISA_OK) {
        fprintf(stderr, "heat2d_c rank %d: %s\n", rank, deisa_last_error(bridge));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    deisa_bridge_free(bridge);
    double sum = 0, min = INFINITY, max = -INFINITY;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            double v = field[AT(i, j)];
            sum += v;
            min = v < min ? v : min;
            max = v > max ? v : max;
        }
    printf("heat2d rank %d final: t=%d sum=%.17g min=%.17g max=%.17g cells=%d power=%.17g\n", rank, c.steps, sum, min,
           max, rows * cols, power);
    fflush(stdout);
    free(field);
    free(next);
    free(heated);
    free(chunk);
    free(west_out);
    free(east_out);
    free(west_in);
    free(east_in);
    MPI_Finalize();
    return 0;
}
