// OpenBLAS core selection from the CPU's feature flags.
//
// Debian's OpenBLAS is built with DYNAMIC_ARCH: when it loads, it picks a kernel set ("core") from
// the CPU's vendor, family and model. A CPU newer than the library is unknown to it and gets a
// generic SSE3 core (Prescott) that runs sgemm at a quarter of the hardware's speed. The
// constructor below runs when this program (or a library user's program) starts, after OpenBLAS
// has made its choice and before any GEMM: if the chosen core uses less of the instruction set
// than the CPU offers, it asks OpenBLAS to choose again with OPENBLAS_CORETYPE set from the
// features (AVX-512 → SkylakeX, or Cooperlake with AVX512_BF16; AVX2+FMA → Haswell, or Zen on
// AMD). A user's own OPENBLAS_CORETYPE always wins; ZOO_BLAS_CORE_SELECTION=0 turns this off.
// The constructor is in the library that links OpenBLAS, so it runs for the zoo command and for
// every program that uses the Zoo library alike, before main and before any GEMM.
#include "CBLAS.h"

#if !defined(__APPLE__)
#include <stdlib.h>
#include <string.h>

char *openblas_get_corename(void);
// Exported by DYNAMIC_ARCH builds only, hence weak: a single-target OpenBLAS has nothing to choose.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

// Instruction-set level of an OpenBLAS core name: 3 AVX-512, 2 AVX2+FMA, 1 AVX, 0 older.
int zoo_blas_core_level(const char *core) {
    static const char *avx512[] = {"skylakex", "cooperlake", "sapphirerapids", 0};
    static const char *avx2[] = {"haswell", "zen", "skylake", "excavator", 0};
    static const char *avx[] = {"sandybridge", "bulldozer", "piledriver", "steamroller", 0};
    const char **levels[] = {avx, avx2, avx512};
    if (!core) return 0;
    char lower[32] = {0};
    for (int i = 0; core[i] && i < 31; i++) lower[i] = (char)((core[i] >= 'A' && core[i] <= 'Z') ? core[i] + 32 : core[i]);
    for (int level = 3; level >= 1; level--)
        for (const char **name = levels[level - 1]; *name; name++)
            if (strcmp(lower, *name) == 0) return level;
    return 0;
}

const char *zoo_blas_choose_core(const char *current, int avx512, int avx512bf16, int avx2fma, int amd) {
    int cpu = avx512 ? 3 : avx2fma ? 2 : 0;
    if (zoo_blas_core_level(current) >= cpu) return 0;  // OpenBLAS's own choice is as good
    if (cpu == 3) return avx512bf16 ? "Cooperlake" : "SkylakeX";
    if (cpu == 2) return amd ? "Zen" : "Haswell";
    return 0;
}

static char zoo_blas_original_core[32] = "";

const char *zoo_blas_original_core_name(void) { return zoo_blas_original_core; }

static void zoo_blas_force_core(const char *core) {
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
}

__attribute__((constructor(101))) static void zoo_blas_select_core(void) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return;
    // Tests' way to see this work on any machine: behave as if OpenBLAS had chosen this core.
    const char *assume = getenv("ZOO_BLAS_ASSUME_CORE");
    if (assume && *assume && !getenv("OPENBLAS_CORETYPE")) {
        zoo_blas_force_core(assume);
        unsetenv("OPENBLAS_CORETYPE");
    }
    const char *name = openblas_get_corename();
    strncpy(zoo_blas_original_core, name ? name : "", sizeof zoo_blas_original_core - 1);
    const char *off = getenv("ZOO_BLAS_CORE_SELECTION");
    if (getenv("OPENBLAS_CORETYPE") || (off && strcmp(off, "0") == 0)) return;
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    int bf16 = avx512 && __builtin_cpu_supports("avx512bf16");
    int avx2fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int amd = __builtin_cpu_is("amd");
    const char *core = zoo_blas_choose_core(name, avx512, bf16, avx2fma, amd);
    if (!core) return;
    // OpenBLAS reads OPENBLAS_CORETYPE when it chooses; child processes inherit the choice.
    zoo_blas_force_core(core);
#endif
}
#endif
