#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include "CPNG.h"

typedef struct {
    const unsigned char *data;
    size_t size, offset;
    char *message;
    size_t message_size;
} ZooPNGSource;

static void zoo_png_fail(png_structp png, png_const_charp text) {
    ZooPNGSource *source = png_get_error_ptr(png);
    snprintf(source->message, source->message_size, "%s", text);
    png_longjmp(png, 1);
}

static void zoo_png_warn(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void zoo_png_read(png_structp png, png_bytep out, png_size_t count) {
    ZooPNGSource *source = png_get_io_ptr(png);
    if (count > source->size - source->offset) png_error(png, "file is truncated");
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

int zoo_png_decode(const unsigned char *data, size_t size, unsigned long long max_pixels,
                   ZooPNGInfo *info, unsigned char **pixels, char *message, size_t message_size) {
    ZooPNGSource source = {data, size, 0, message, message_size};
    unsigned char *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    int volatile status = 1;
    memset(info, 0, sizeof *info);
    *pixels = NULL;
    if (size < 8 || png_sig_cmp(data, 0, 8)) {
        snprintf(message, message_size, "not a PNG signature");
        return 1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, zoo_png_fail, zoo_png_warn);
    if (!png) { snprintf(message, message_size, "out of memory"); return 1; }
    png_infop pinfo = png_create_info_struct(png);
    if (!pinfo || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, pinfo ? &pinfo : NULL, NULL);
        free(buffer);
        free(rows);
        return status;
    }
    png_set_read_fn(png, &source, zoo_png_read);
    // PIL refuses a bad CRC on any chunk, ancillary ones included (libpng only warns on those).
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    // Our own pixel limit is the one that counts (libpng's default stops at 1e6 per side).
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, pinfo);
    png_uint_32 width = png_get_image_width(png, pinfo), height = png_get_image_height(png, pinfo);
    info->width = (int)width;
    info->height = (int)height;
    info->color_type = png_get_color_type(png, pinfo);
    info->bit_depth = png_get_bit_depth(png, pinfo);
    if (max_pixels && (unsigned long long)width * height > max_pixels) {
        snprintf(message, message_size, "%u x %u pixels", width, height);
        status = 2;
        png_longjmp(png, 1);
    }
    // Palette to RGB (RGBA where tRNS gives alpha), low-depth gray to 8 bits (scaled as PIL
    // unpacks L;1/L;2/L;4); 16-bit samples stay 16-bit so the caller can apply PIL's rules.
    if (info->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (info->color_type == PNG_COLOR_TYPE_GRAY && info->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);
    info->channels = png_get_channels(png, pinfo);
    info->depth = png_get_bit_depth(png, pinfo);
    size_t stride = png_get_rowbytes(png, pinfo);
    buffer = malloc(stride * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!buffer || !rows) {
        snprintf(message, message_size, "out of memory for %u x %u pixels", width, height);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = buffer + stride * y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &pinfo, NULL);
    free(rows);
    *pixels = buffer;
    return 0;
}
