#ifndef ZOO_CCHECKPOINTKERNELS_H
#define ZOO_CCHECKPOINTKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32 (zip/gzip polynomial, the value zlib's crc32 and libdeflate_crc32 return), continuing
/// from `crc` (0 to start). On x86-64 CPUs with AVX2 and VPCLMULQDQ the bulk is folded 256 bits
/// at a time with carry-less multiplication; elsewhere, and for short inputs and tails, libdeflate's
/// CRC-32 (128-bit PCLMUL folding where the CPU has it) does the work.
uint32_t zoo_crc32(uint32_t crc, const void *data, size_t length);

/// 1 when zoo_crc32 uses its 256-bit carry-less-multiply path on this CPU, 0 otherwise.
int zoo_crc32_uses_vpclmulqdq(void);

/// Byte-plane shuffle of `count` elements of `element_size` bytes: byte b of element i goes to
/// `destination[b * count + i]` (all first bytes, then all second bytes, ...), which puts the
/// exponent bytes of floats together so they compress. `destination` and `source` must not overlap.
void zoo_byte_shuffle(void *destination, const void *source, size_t count, size_t element_size);

/// The inverse of zoo_byte_shuffle.
void zoo_byte_unshuffle(void *destination, const void *source, size_t count, size_t element_size);

#endif
