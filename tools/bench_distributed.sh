#!/usr/bin/env bash
# Data-parallel training speed on this machine: 1 rank x 2 threads against 2 ranks x 1 thread, same
# global batch (zoo-bench distributed; figures in docs/distributed.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh build
swift build -c release --product zoo-bench >&2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_THREAD_TIMEOUT=4
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader,tcp
    --mca btl_vader_single_copy_mechanism none)
for layout in "1 2" "2 1"; do
    read -r ranks threads <<<"$layout"
    "${mpi[@]}" -np "$ranks" -x ZOO_THREADS="$threads" -x OPENBLAS_NUM_THREADS="$threads" \
        -x OPENBLAS_THREAD_TIMEOUT .build/release/zoo-bench distributed
done
