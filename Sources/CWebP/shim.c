#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include "CWebP.h"

static const char *zoo_webp_status(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bad bitstream (not a WebP file, or a damaged header)";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "truncated (not enough data)";
    default: return "unknown error";
    }
}

int zoo_webp_decode(const unsigned char *data, size_t size, unsigned long long max_pixels,
                    ZooWebPInfo *info, unsigned char **pixels, char *message, size_t message_size) {
    WebPBitstreamFeatures features;
    memset(info, 0, sizeof *info);
    *pixels = NULL;
    // The header alone: the size is refused before the decoder allocates its canvas.
    VP8StatusCode status = WebPGetFeatures(data, size, &features);
    if (status != VP8_STATUS_OK) {
        snprintf(message, message_size, "%s", zoo_webp_status(status));
        return 1;
    }
    info->width = features.width;
    info->height = features.height;
    info->has_alpha = features.has_alpha;
    info->animated = features.has_animation;
    info->format = features.format;
    if (max_pixels && (unsigned long long)features.width * (unsigned long long)features.height > max_pixels) {
        snprintf(message, message_size, "%d x %d pixels", features.width, features.height);
        return 2;
    }
    // PIL (Pillow 9, WebPImagePlugin) decodes through WebPAnimDecoder with its default options
    // (RGBA, not premultiplied, fancy upsampling) and keeps the first frame; RGB drops alpha.
    WebPData source = {data, size};
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&source, NULL);
    if (!decoder) {
        snprintf(message, message_size, "cannot parse the WebP container (damaged or truncated)");
        return 1;
    }
    WebPAnimInfo anim;
    uint8_t *frame = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetInfo(decoder, &anim) || !WebPAnimDecoderGetNext(decoder, &frame, &timestamp) || !frame) {
        WebPAnimDecoderDelete(decoder);
        snprintf(message, message_size, "cannot decode the first frame (damaged or truncated bitstream)");
        return 1;
    }
    size_t count = (size_t)anim.canvas_width * anim.canvas_height;
    unsigned char *buffer = malloc(count * 3 + 1);
    if (!buffer) {
        WebPAnimDecoderDelete(decoder);
        snprintf(message, message_size, "out of memory for %u x %u pixels", anim.canvas_width, anim.canvas_height);
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        buffer[3 * i] = frame[4 * i];
        buffer[3 * i + 1] = frame[4 * i + 1];
        buffer[3 * i + 2] = frame[4 * i + 2];
    }
    info->width = (int)anim.canvas_width;
    info->height = (int)anim.canvas_height;
    WebPAnimDecoderDelete(decoder);
    *pixels = buffer;
    return 0;
}
