#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>
#include "CJPEG.h"

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
} ZooJPEGError;

static void zoo_jpeg_fail(j_common_ptr cinfo) {
    ZooJPEGError *error = (ZooJPEGError *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    error->base.format_message(cinfo, text);
    snprintf(error->message, error->message_size, "%s", text);
    longjmp(error->jump, 1);
}

// PIL refuses a truncated file ("image file is truncated") where libjpeg only warns and pads with
// gray; every other warning (extraneous bytes, ...) PIL lets pass, and so do we.
static void zoo_jpeg_emit(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) zoo_jpeg_fail(cinfo);
}

// Errors come back through `error`'s longjmp with libjpeg's message in `message`.
static void zoo_jpeg_errors(struct jpeg_decompress_struct *cinfo, ZooJPEGError *error, char *message,
                            size_t message_size) {
    cinfo->err = jpeg_std_error(&error->base);
    error->base.error_exit = zoo_jpeg_fail;
    error->base.emit_message = zoo_jpeg_emit;
    error->message = message;
    error->message_size = message_size;
}

// The decoder on `data`, its header read (after the caller's setjmp: any of this may fail).
static void zoo_jpeg_open(struct jpeg_decompress_struct *cinfo, const unsigned char *data, size_t size) {
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 14, 0);
    jpeg_read_header(cinfo, TRUE);
}

// PIL's settings: islow DCT and fancy upsampling (libjpeg's defaults), output in the file's own
// colour family (L, RGB or CMYK).
static void zoo_jpeg_settings(struct jpeg_decompress_struct *cinfo) {
    cinfo->dct_method = JDCT_ISLOW;
    cinfo->do_fancy_upsampling = TRUE;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK: case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; break;
    default: cinfo->out_color_space = JCS_RGB; break;
    }
}

static void zoo_jpeg_fill_info(struct jpeg_decompress_struct *cinfo, ZooJPEGInfo *info) {
    info->width = (int)cinfo->image_width;
    info->height = (int)cinfo->image_height;
    info->adobe = cinfo->saw_Adobe_marker;
    info->progressive = cinfo->progressive_mode;
    info->channels = cinfo->out_color_space == JCS_GRAYSCALE ? 1 : cinfo->out_color_space == JCS_CMYK ? 4 : 3;
}

int zoo_jpeg_header(const unsigned char *data, size_t size, ZooJPEGInfo *info, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    ZooJPEGError error;
    memset(info, 0, sizeof *info);
    zoo_jpeg_errors(&cinfo, &error, message, message_size);
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    zoo_jpeg_open(&cinfo, data, size);
    zoo_jpeg_settings(&cinfo);
    zoo_jpeg_fill_info(&cinfo, info);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int zoo_jpeg_decode(const unsigned char *data, size_t size, unsigned long long max_pixels,
                    ZooJPEGInfo *info, unsigned char **pixels, char *message, size_t message_size) {
    return zoo_jpeg_decode_region(data, size, max_pixels, 0, 0, 0, 0, info, pixels, message, message_size);
}

int zoo_jpeg_decode_region(const unsigned char *data, size_t size, unsigned long long max_pixels,
                           int left, int top, int width, int height,
                           ZooJPEGInfo *info, unsigned char **pixels, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    ZooJPEGError error;
    unsigned char *volatile buffer = NULL;
    unsigned char *volatile row = NULL;
    int volatile status = 1;
    memset(info, 0, sizeof *info);
    *pixels = NULL;
    zoo_jpeg_errors(&cinfo, &error, message, message_size);
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        free(row);
        return status;
    }
    zoo_jpeg_open(&cinfo, data, size);
    zoo_jpeg_fill_info(&cinfo, info);
    if (max_pixels && (unsigned long long)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(message, message_size, "%u x %u pixels", cinfo.image_width, cinfo.image_height);
        status = 2;
        longjmp(error.jump, 1);
    }
    zoo_jpeg_settings(&cinfo);
    int whole = width <= 0;
    if (whole) {
        left = top = 0;
        width = (int)cinfo.image_width;
        height = (int)cinfo.image_height;
    } else if (left < 0 || top < 0 || (unsigned)(left + width) > cinfo.image_width
               || height <= 0 || (unsigned)(top + height) > cinfo.image_height) {
        snprintf(message, message_size, "region %d,%d %dx%d outside the %ux%u image", left, top, width, height,
                 cinfo.image_width, cinfo.image_height);
        longjmp(error.jump, 1);
    }
    jpeg_start_decompress(&cinfo);
    info->channels = cinfo.output_components;
    size_t channels = (size_t)cinfo.output_components, stride = (size_t)width * channels;
    buffer = malloc(stride * (size_t)height);
    if (!buffer) {
        snprintf(message, message_size, "out of memory for %d x %d pixels", width, height);
        longjmp(error.jump, 1);
    }
    if (whole) {
        while (cinfo.output_scanline < cinfo.output_height) {
            JSAMPROW line = buffer + stride * cinfo.output_scanline;
            jpeg_read_scanlines(&cinfo, &line, 1);
        }
        jpeg_finish_decompress(&cinfo);
    } else {
        // A margin of one iMCU on each side: fancy upsampling reads the chroma sample beyond each
        // edge of the columns it decodes, which a crop flush with the region would replicate instead.
        int margin = cinfo.max_h_samp_factor * DCTSIZE;
        JDIMENSION x = (JDIMENSION)(left > margin ? left - margin : 0);
        JDIMENSION end = (JDIMENSION)left + (JDIMENSION)width + (JDIMENSION)margin;
        if (end > cinfo.output_width) end = cinfo.output_width;
        JDIMENSION span = end - x;
        if (x > 0 || span < cinfo.output_width) jpeg_crop_scanline(&cinfo, &x, &span);
        row = malloc((size_t)cinfo.output_width * channels);
        if (!row) {
            snprintf(message, message_size, "out of memory for a row of %u pixels", cinfo.output_width);
            longjmp(error.jump, 1);
        }
        if (top > 0) jpeg_skip_scanlines(&cinfo, (JDIMENSION)top);
        for (int y = 0; y < height; y++) {
            JSAMPROW line = row;
            jpeg_read_scanlines(&cinfo, &line, 1);
            memcpy(buffer + stride * (size_t)y, row + ((size_t)left - x) * channels, stride);
        }
        // The rows below the region are never decoded.
        jpeg_abort_decompress(&cinfo);
        free(row);
        row = NULL;
    }
    jpeg_destroy_decompress(&cinfo);
    *pixels = buffer;
    return 0;
}
