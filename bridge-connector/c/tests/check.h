/* Tiny assertion helpers for the bridge's test programs: a failed check prints where and why on
 * stderr and makes the program exit with status 1 at the end (MPI_Finalize still runs). */
#ifndef DEISA_TEST_CHECK_H
#define DEISA_TEST_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_failures = 0;

#define CHECK(cond, ...) do { if (!(cond)) { check_failures++; \
    fprintf(stderr, "CHECK FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

#define CHECK_RC(got, want, b) CHECK((got) == (want), "return code %d, expected %d (%s)", (got), (want), deisa_last_error(b))

#define CHECK_MSG(b, expected) CHECK(strcmp(deisa_last_error(b), (expected)) == 0, \
    "message\n  got:      %s\n  expected: %s", deisa_last_error(b), (expected))

#define CHECK_CONTAINS(b, part) CHECK(strstr(deisa_last_error(b), (part)) != NULL, \
    "message %s does not contain %s", deisa_last_error(b), (part))
#endif
