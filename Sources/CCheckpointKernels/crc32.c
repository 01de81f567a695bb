// CRC-32 by folding with carry-less multiplication, 256 bits per instruction (AVX2 + VPCLMULQDQ).
//
// Debian's libdeflate (1.14) folds 128 bits at a time (PCLMULQDQ); VPCLMULQDQ on 256-bit
// registers does two such multiplies per instruction, which doubles the speed of a verified
// checkpoint load. The math (reflected bit order, as zip's CRC-32 is defined):
//   a 128-bit block X (its first 8 bytes are the higher-degree half H, the last 8 the lower L)
//   that sits D bits before the end of the data it is folded into satisfies
//     X·x^D ≡ H·(x^(D+64) mod P) + L·(x^D mod P)   (mod P, the CRC polynomial),
//   and a carry-less multiply of reflected values yields the product times x, so the constants
//   are x^(D+63) mod P and x^(D-1) mod P, bit-reversed into 64 bits. tools/crc32_constants.py
//   derives them and checks the scheme against zlib.
// Four 256-bit accumulators take 128 bytes per step (D = 1024 for each 128-bit lane); at the end
// the eight lanes are folded into one (D = 128) and that block's CRC from a zero state is the
// remainder of everything, which libdeflate computes over its 16 bytes.
#include "CCheckpointKernels.h"

#include <libdeflate.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// Fold distance 1024 bits: x^1087 mod P and x^1023 mod P, bit-reversed (low qword, high qword).
#define FOLD_1024_LOW 0x7d657a1000000000ULL
#define FOLD_1024_HIGH 0x7406fa9500000000ULL
// Fold distance 128 bits: x^191 mod P and x^127 mod P.
#define FOLD_128_LOW 0x65673b4600000000ULL
#define FOLD_128_HIGH 0x9ba54c6f00000000ULL

static int detect_vpclmulqdq(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned pclmul = 1u << 1, osxsave = 1u << 27, avx = 1u << 28;
    if ((ecx & (pclmul | osxsave | avx)) != (pclmul | osxsave | avx)) return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6) != 6) return 0;  // the OS saves the SSE and AVX (ymm) state
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned avx2 = 1u << 5, vpclmulqdq = 1u << 10;
    return (ebx & avx2) && (ecx & vpclmulqdq);
}

static int has_vpclmulqdq(void) {
    static int cached = -1;  // a benign race: every thread computes the same value
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value < 0) {
        value = detect_vpclmulqdq();
        __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    }
    return value;
}

__attribute__((target("avx2,pclmul,vpclmulqdq"))) static inline __m256i fold256(__m256i x, __m256i k) {
    return _mm256_xor_si256(_mm256_clmulepi64_epi128(x, k, 0x00), _mm256_clmulepi64_epi128(x, k, 0x11));
}

__attribute__((target("avx2,pclmul,vpclmulqdq"))) static inline __m128i fold128(__m128i x, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

// The CRC state (not inverted) after `state` and `length` bytes, length a multiple of 128, >= 128.
__attribute__((target("avx2,pclmul,vpclmulqdq"))) static uint32_t fold_blocks(
    uint32_t state, const uint8_t *data, size_t length) {
    const __m256i k1024 = _mm256_setr_epi64x(
        (long long)FOLD_1024_LOW, (long long)FOLD_1024_HIGH, (long long)FOLD_1024_LOW, (long long)FOLD_1024_HIGH);
    __m256i a0 = _mm256_loadu_si256((const __m256i *)data);
    __m256i a1 = _mm256_loadu_si256((const __m256i *)(data + 32));
    __m256i a2 = _mm256_loadu_si256((const __m256i *)(data + 64));
    __m256i a3 = _mm256_loadu_si256((const __m256i *)(data + 96));
    // The state enters as if XORed into the first 32 bits of the data.
    a0 = _mm256_xor_si256(a0, _mm256_setr_epi32((int)state, 0, 0, 0, 0, 0, 0, 0));
    const uint8_t *end = data + length;
    for (const uint8_t *p = data + 128; p < end; p += 128) {
        a0 = _mm256_xor_si256(fold256(a0, k1024), _mm256_loadu_si256((const __m256i *)p));
        a1 = _mm256_xor_si256(fold256(a1, k1024), _mm256_loadu_si256((const __m256i *)(p + 32)));
        a2 = _mm256_xor_si256(fold256(a2, k1024), _mm256_loadu_si256((const __m256i *)(p + 64)));
        a3 = _mm256_xor_si256(fold256(a3, k1024), _mm256_loadu_si256((const __m256i *)(p + 96)));
    }
    const __m128i k128 = _mm_set_epi64x((long long)FOLD_128_HIGH, (long long)FOLD_128_LOW);
    __m128i lanes[8] = {
        _mm256_castsi256_si128(a0), _mm256_extracti128_si256(a0, 1),
        _mm256_castsi256_si128(a1), _mm256_extracti128_si256(a1, 1),
        _mm256_castsi256_si128(a2), _mm256_extracti128_si256(a2, 1),
        _mm256_castsi256_si128(a3), _mm256_extracti128_si256(a3, 1),
    };
    __m128i x = lanes[0];
    for (int lane = 1; lane < 8; lane++) x = _mm_xor_si128(fold128(x, k128), lanes[lane]);
    uint8_t last[16];
    _mm_storeu_si128((__m128i *)last, x);
    // libdeflate_crc32(~s, ...) runs from state s and returns the inverted state.
    return ~libdeflate_crc32(~0u, last, sizeof last);
}
#endif

uint32_t zoo_crc32(uint32_t crc, const void *data, size_t length) {
#if defined(__x86_64__)
    if (length >= 1024 && has_vpclmulqdq()) {
        size_t bulk = length & ~(size_t)127;
        uint32_t state = fold_blocks(~crc, (const uint8_t *)data, bulk);
        return libdeflate_crc32(~state, (const uint8_t *)data + bulk, length - bulk);
    }
#endif
    return libdeflate_crc32(crc, data, length);
}

int zoo_crc32_uses_vpclmulqdq(void) {
#if defined(__x86_64__)
    return has_vpclmulqdq();
#else
    return 0;
#endif
}
