/*
 * The raw-MPI peer of the `allreduce.mpi.*` benchmark: times MPI_Allreduce (MPI_SUM, float32)
 * of the same size and with the same protocol as the Node benchmark (barrier, time one call,
 * repeat; per iteration the slowest rank counts; the median over iterations is reported).
 *
 *   mpirun -np 2 allreduce_bench <bytes> <warmup> <iterations>
 * prints one JSON line on rank 0: {"bytes":..., "ranks":..., "seconds":<median>}
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 4) {
    if (rank == 0) fprintf(stderr, "usage: allreduce_bench <bytes> <warmup> <iterations>\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  long bytes = atol(argv[1]);
  int warmup = atoi(argv[2]), iters = atoi(argv[3]);
  long n = bytes / (long)sizeof(float);
  float* send = malloc(n * sizeof(float));
  float* recv = malloc(n * sizeof(float));
  double* times = calloc(iters, sizeof(double));
  double* slowest = calloc(iters, sizeof(double));
  for (long i = 0; i < n; i++) send[i] = (float)((i + rank) % 1000) * 0.001f;
  for (int it = 0; it < warmup + iters; it++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    MPI_Allreduce(send, recv, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double dt = MPI_Wtime() - t0;
    if (it >= warmup) times[it - warmup] = dt;
  }
  MPI_Reduce(times, slowest, iters, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    qsort(slowest, iters, sizeof(double), cmp_double);
    printf("{\"bytes\":%ld,\"ranks\":%d,\"seconds\":%.9f,\"check\":%.3f}\n", bytes, size, slowest[iters / 2],
           (double)recv[1]);
  }
  free(send);
  free(recv);
  free(times);
  free(slowest);
  MPI_Finalize();
  return 0;
}
