// Open MPI (Debian's libopenmpi-dev) behind plain functions: MPI_COMM_WORLD, MPI_FLOAT and MPI_SUM
// are macros over Open MPI's globals, which Swift cannot import.
#ifndef ZOO_CMPI_H
#define ZOO_CMPI_H
#include <mpi.h>

// Initializes MPI once (serialized: any thread may call, one at a time); returns MPI_SUCCESS or an error code.
static inline int zoo_mpi_init(void) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) return MPI_SUCCESS;
    int provided = 0;
    int status = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided);
    if (status == MPI_SUCCESS) MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return status;
}
static inline int zoo_mpi_finalize(void) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    return finalized ? MPI_SUCCESS : MPI_Finalize();
}
static inline int zoo_mpi_rank(void) { int rank = 0; MPI_Comm_rank(MPI_COMM_WORLD, &rank); return rank; }
static inline int zoo_mpi_size(void) { int size = 1; MPI_Comm_size(MPI_COMM_WORLD, &size); return size; }
static inline int zoo_mpi_allreduce_sum_float(float *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static inline int zoo_mpi_allreduce_sum_double(double *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static inline int zoo_mpi_broadcast_bytes(void *bytes, int count, int root) {
    return MPI_Bcast(bytes, count, MPI_BYTE, root, MPI_COMM_WORLD);
}
static inline int zoo_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static inline void zoo_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
static inline void zoo_mpi_error_string(int code, char *text, int capacity) {
    int length = 0;
    if (capacity < MPI_MAX_ERROR_STRING) { text[0] = 0; return; }
    MPI_Error_string(code, text, &length);
    text[length] = 0;
}
static inline int zoo_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING + 1; }
#endif
