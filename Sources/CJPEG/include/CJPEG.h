// libjpeg's classic API (Debian's libjpeg62-turbo-dev) behind two calls that never longjmp
// into Swift: libjpeg reports errors through longjmp, which must not cross Swift frames, so the
// setjmp and every libjpeg call live here in C.
#ifndef ZOO_CJPEG_H
#define ZOO_CJPEG_H
#include <stddef.h>

/// What the header says, and what the decoded buffer holds.
typedef struct {
    int width, height;
    /// Channels of the decoded buffer: 1 (gray), 3 (RGB) or 4 (CMYK).
    int channels;
    /// The file carries an Adobe APP14 marker (CMYK is then stored inverted, as Photoshop does).
    int adobe;
    int progressive;
} ZooJPEGInfo;

/// Result codes: 0 decoded; 1 a libjpeg error (`message` says which); 2 more pixels than `max_pixels`
/// (nothing allocated, `info` filled from the header).
/// On success `*pixels` is a malloc'd buffer of width*height*channels bytes the caller frees.
int zoo_jpeg_decode(const unsigned char *data, size_t size, unsigned long long max_pixels,
                    ZooJPEGInfo *info, unsigned char **pixels, char *message, size_t message_size);

/// The header alone (size, channels of the decoded output, markers): 0, or 1 with `message`.
int zoo_jpeg_header(const unsigned char *data, size_t size, ZooJPEGInfo *info, char *message, size_t message_size);

/// Only the `width` x `height` region at (`left`, `top`), which must lie inside the image:
/// libjpeg-turbo skips the rows above it (`jpeg_skip_scanlines`), runs the IDCT, upsampling and
/// colour conversion only on the columns it needs plus a margin (`jpeg_crop_scanline`), and stops
/// after its last row. The pixels equal the same region of a whole decode (the margin keeps fancy
/// upsampling's neighbours); `*pixels` holds width*height*channels bytes. Codes as `zoo_jpeg_decode`.
int zoo_jpeg_decode_region(const unsigned char *data, size_t size, unsigned long long max_pixels,
                           int left, int top, int width, int height,
                           ZooJPEGInfo *info, unsigned char **pixels, char *message, size_t message_size);
#endif
