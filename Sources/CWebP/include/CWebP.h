// libwebp (Debian's libwebp-dev) behind one call: the header's size checked before anything is
// allocated, then the first frame decoded through libwebpdemux's animation decoder, as PIL does.
#ifndef ZOO_CWEBP_H
#define ZOO_CWEBP_H
#include <stddef.h>

/// What the header says, and what the decoded buffer holds.
typedef struct {
    /// The canvas size (VP8X) or the bitstream's.
    int width, height;
    /// The file declares an alpha channel, is animated (several frames; the first is decoded).
    int has_alpha, animated;
    /// 0 undefined/mixed, 1 lossy, 2 lossless (libwebp's `format`).
    int format;
} ZooWebPInfo;

/// Result codes: 0 decoded; 1 a libwebp error (`message` says which); 2 more pixels than
/// `max_pixels` (nothing allocated, `info` filled from the header).
/// On success `*pixels` is a malloc'd RGB buffer of width*height*3 bytes the caller frees (the
/// alpha channel dropped, as PIL's `convert("RGB")` does).
int zoo_webp_decode(const unsigned char *data, size_t size, unsigned long long max_pixels,
                    ZooWebPInfo *info, unsigned char **pixels, char *message, size_t message_size);
#endif
