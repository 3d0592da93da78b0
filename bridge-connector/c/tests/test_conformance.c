/*
 * The C conformance client (io.deisa.conformance.ConformancePattern) against the protocol's
 * conformance head, which checks every frame: every dtype in 1 to 4 dimensions filled with the
 * pattern (31 rank + 7 t + i) mod 100 (+ 0.5 for floats) at every timestep, then deisa_close, then
 * every feedback value type read back with deisa_get_double: floats, integers and booleans as
 * numbers, null and absent keys as not found, strings, arrays, lists and maps refused with
 * DEISA_INVALID_ARGUMENT naming their type.
 */
#include <stdint.h>
#include <stdlib.h>
#include "deisa_bridge.h"
#include "check.h"

#define TIMESTEPS 6
#define ARRAYS 10

static const int SIZES[ARRAYS] = {1, 2, 4, 8, 1, 2, 4, 8, 4, 8};
static const char *const NAMES[ARRAYS] = {"a_int8", "a_int16", "a_int32", "a_int64", "a_uint8", "a_uint16",
                                          "a_uint32", "a_uint64", "a_float32", "a_float64"};

static void fill(void *out, deisa_dtype_t dtype, long long n, int rank, long long t) {
    for (long long i = 0; i < n; i++) {
        long long v = (31LL * rank + 7 * t + i) % 100;
        switch (dtype) {
            case DEISA_INT8: ((int8_t *)out)[i] = (int8_t)v; break;
            case DEISA_UINT8: ((uint8_t *)out)[i] = (uint8_t)v; break;
            case DEISA_INT16: ((int16_t *)out)[i] = (int16_t)v; break;
            case DEISA_UINT16: ((uint16_t *)out)[i] = (uint16_t)v; break;
            case DEISA_INT32: ((int32_t *)out)[i] = (int32_t)v; break;
            case DEISA_UINT32: ((uint32_t *)out)[i] = (uint32_t)v; break;
            case DEISA_INT64: ((int64_t *)out)[i] = v; break;
            case DEISA_UINT64: ((uint64_t *)out)[i] = (uint64_t)v; break;
            case DEISA_FLOAT32: ((float *)out)[i] = (float)v + 0.5f; break;
            case DEISA_FLOAT64: ((double *)out)[i] = (double)v + 0.5; break;
        }
    }
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int shapes[ARRAYS][4], grids[ARRAYS][4], positions[ARRAYS][4];
    deisa_array_t arrays[ARRAYS];
    long long elements[ARRAYS];
    for (int k = 0; k < ARRAYS; k++) {
        int ndim = 1 + k % 4;
        elements[k] = 1;
        for (int d = 0; d < ndim; d++) {
            shapes[k][d] = d == 0 ? 2 + k % 3 : 2;
            grids[k][d] = d == 0 ? size : 1;
            positions[k][d] = d == 0 ? rank : 0;
            elements[k] *= shapes[k][d];
        }
        arrays[k] = (deisa_array_t){NAMES[k], ndim, shapes[k], grids[k], positions[k], 1, (deisa_dtype_t)k};
    }
    deisa_bridge_t *b = NULL;
    int rc = deisa_bridge_init(MPI_COMM_WORLD, NULL, ARRAYS, arrays, 60, &b);
    CHECK_RC(rc, DEISA_OK, NULL);
    if (rc) MPI_Abort(MPI_COMM_WORLD, 1);
    uint8_t buffer[64 * 8];
    for (long long t = 0; t < TIMESTEPS; t++) {
        for (int k = 0; k < ARRAYS; k++) {
            fill(buffer, (deisa_dtype_t)k, elements[k], rank, t);
            CHECK_RC(deisa_send(b, NAMES[k], buffer, elements[k], (deisa_dtype_t)k, t), DEISA_OK, b);
        }
    }
    CHECK_RC(deisa_close(b, TIMESTEPS), DEISA_OK, b);
    (void)SIZES;
    for (long long t = 0; t < TIMESTEPS; t++) {
        double v = -1;
        int found = 0;
        CHECK_RC(deisa_get_double(b, "double", t, &v, &found), DEISA_OK, b);
        CHECK(found && v == t + 0.25, "double at %lld: %d %g", t, found, v);
        CHECK_RC(deisa_get_double(b, "long", t, &v, &found), DEISA_OK, b);
        CHECK(found && v == 1000.0 + t, "long at %lld: %d %g", t, found, v);
        CHECK_RC(deisa_get_double(b, "bool", t, &v, &found), DEISA_OK, b);
        CHECK(found && v == (t % 2 == 0 ? 1.0 : 0.0), "bool at %lld: %d %g", t, found, v);
        v = 7;
        CHECK_RC(deisa_get_double(b, "null", t, &v, &found), DEISA_OK, b);
        CHECK(!found && v == 7, "null at %lld: %d %g", t, found, v);
        CHECK_RC(deisa_get_double(b, "absent", t, &v, &found), DEISA_OK, b);
        CHECK(!found, "absent at %lld", t);
    }
    const char *others[][2] = {{"string", "string"}, {"doubles", "float64 array"}, {"list", "list"}, {"map", "map"}};
    for (int i = 0; i < 4; i++) {
        double v;
        int found;
        CHECK_RC(deisa_get_double(b, others[i][0], 2, &v, &found), DEISA_INVALID_ARGUMENT, b);
        char expected[512];
        snprintf(expected, sizeof expected,
                 "Bridge %d could not get feedback '%s' at timestep 2: the value is a %s, not a number (deisa_get_double reads floats, integers and booleans)",
                 rank, others[i][0], others[i][1]);
        CHECK_MSG(b, expected);
    }
    deisa_bridge_free(b);
    MPI_Finalize();
    if (!check_failures) printf("rank %d: conformance client done\n", rank);
    return check_failures ? 1 : 0;
}
