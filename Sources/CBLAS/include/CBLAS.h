// The CBLAS interface: OpenBLAS on Linux (Debian's libopenblas-dev), Accelerate on macOS.
#ifndef ZOO_CBLAS_H
#define ZOO_CBLAS_H
#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK
#include <Accelerate/Accelerate.h>
static inline void zoo_blas_set_threads(int n) { (void)n; }
static inline int zoo_blas_threads(void) { return 0; }
static inline const char *zoo_blas_core_name(void) { return "Accelerate"; }
static inline const char *zoo_blas_original_core_name(void) { return "Accelerate"; }
static inline const char *zoo_blas_config(void) { return "Accelerate"; }
#else
#include <cblas.h>
// OpenBLAS-specific thread control; declared here so Swift sees one name on every platform.
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
static inline void zoo_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int zoo_blas_threads(void) { return openblas_get_num_threads(); }
// The core OpenBLAS chose by itself, before shim.c's constructor looked at the CPU's features.
const char *zoo_blas_original_core_name(void);
// Instruction-set level of an OpenBLAS core name (3 AVX-512, 2 AVX2+FMA, 1 AVX, 0 older).
int zoo_blas_core_level(const char *core);
// The core to switch to from `current` on a CPU with these features, or NULL to keep it.
const char *zoo_blas_choose_core(const char *current, int avx512, int avx512bf16, int avx2fma, int amd);
// The kernel set OpenBLAS picked for this CPU ("Prescott" means its generic SSE3 fallback) and its build.
char *openblas_get_corename(void);
char *openblas_get_config(void);
static inline const char *zoo_blas_core_name(void) { return openblas_get_corename(); }
static inline const char *zoo_blas_config(void) { return openblas_get_config(); }
#endif
#endif
