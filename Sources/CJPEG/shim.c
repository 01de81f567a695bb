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

int zoo_jpeg_decode(const unsigned char *data, size_t size, unsigned long long max_pixels,
                    ZooJPEGInfo *info, unsigned char **pixels, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    ZooJPEGError error;
    unsigned char *volatile buffer = NULL;
    int volatile status = 1;
    memset(info, 0, sizeof *info);
    *pixels = NULL;
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = zoo_jpeg_fail;
    error.base.emit_message = zoo_jpeg_emit;
    error.message = message;
    error.message_size = message_size;
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 14, 0);
    jpeg_read_header(&cinfo, TRUE);
    info->width = (int)cinfo.image_width;
    info->height = (int)cinfo.image_height;
    info->adobe = cinfo.saw_Adobe_marker;
    info->progressive = cinfo.progressive_mode;
    if (max_pixels && (unsigned long long)cinfo.image_width * cinfo.image_height > max_pixels) {
        snprintf(message, message_size, "%u x %u pixels", cinfo.image_width, cinfo.image_height);
        status = 2;
        longjmp(error.jump, 1);
    }
    // PIL's settings: islow DCT and fancy upsampling (libjpeg's defaults), output in the file's
    // own colour family (L, RGB or CMYK).
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK: case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    info->channels = cinfo.output_components;
    size_t stride = (size_t)cinfo.output_width * cinfo.output_components;
    buffer = malloc(stride * cinfo.output_height);
    if (!buffer) {
        snprintf(message, message_size, "out of memory for %u x %u pixels", cinfo.output_width, cinfo.output_height);
        longjmp(error.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    *pixels = buffer;
    return 0;
}
