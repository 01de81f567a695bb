// libpng (Debian's libpng-dev) behind one call that never longjmps into Swift: libpng reports
// errors through longjmp, which must not cross Swift frames, so the setjmp lives here in C.
#ifndef ZOO_CPNG_H
#define ZOO_CPNG_H
#include <stddef.h>

/// What the header says, and what the decoded buffer holds.
typedef struct {
    int width, height;
    /// The file's colour type and bit depth (PNG_COLOR_TYPE_*, 1..16).
    int color_type, bit_depth;
    /// Channels of the decoded buffer (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) and its bit depth
    /// (8, or 16 big-endian): palettes come out as RGB(A), gray of 1, 2, 4 bits as 8-bit gray.
    int channels, depth;
} ZooPNGInfo;

/// Result codes: 0 decoded; 1 a libpng error (`message` says which); 2 more pixels than `max_pixels`
/// (nothing allocated, `info` filled from the header).
/// On success `*pixels` is a malloc'd buffer of width*height*channels*depth/8 bytes the caller frees.
int zoo_png_decode(const unsigned char *data, size_t size, unsigned long long max_pixels,
                   ZooPNGInfo *info, unsigned char **pixels, char *message, size_t message_size);
#endif
