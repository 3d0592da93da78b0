/* Links against the installed libdeisa_bridge; prints a bridge-less init error to show it runs. */
#include <stdio.h>
#include <deisa_bridge.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    deisa_bridge_t *b = NULL;
    int rc = deisa_bridge_init(MPI_COMM_WORLD, NULL, 0, NULL, 1, &b);
    printf("deisa %s (protocol %d): %d %s\n", DEISA_BRIDGE_VERSION, DEISA_PROTOCOL_VERSION, rc, deisa_last_error(NULL));
    MPI_Finalize();
    return rc == DEISA_INVALID_ARGUMENT ? 0 : 1;
}
