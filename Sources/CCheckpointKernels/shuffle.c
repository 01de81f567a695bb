// Byte-plane shuffles for compressed checkpoint entries. The 2-, 4- and 8-byte cases are written
// as one pass over the elements with a plain loop the compiler vectorizes (a byte transpose),
// going through the data in tiles so every plane's stream stays in cache; any other size takes
// the general path.
#include "CCheckpointKernels.h"

#include <string.h>

enum { TILE = 4096 };  // elements per tile: 16 KiB of float32, well inside L1+L2

void zoo_byte_shuffle(void *destination, const void *source, size_t count, size_t element_size) {
    unsigned char *restrict out = destination;
    const unsigned char *restrict in = source;
    switch (element_size) {
    case 1:
        memcpy(out, in, count);
        return;
    case 2:
        for (size_t i = 0; i < count; i++) {
            unsigned short value;
            memcpy(&value, in + 2 * i, 2);
            out[i] = (unsigned char)value;
            out[count + i] = (unsigned char)(value >> 8);
        }
        return;
    case 4:
        for (size_t start = 0; start < count; start += TILE) {
            size_t end = start + TILE < count ? start + TILE : count;
            for (size_t i = start; i < end; i++) {
                unsigned value;
                memcpy(&value, in + 4 * i, 4);
                out[i] = (unsigned char)value;
                out[count + i] = (unsigned char)(value >> 8);
                out[2 * count + i] = (unsigned char)(value >> 16);
                out[3 * count + i] = (unsigned char)(value >> 24);
            }
        }
        return;
    case 8:
        for (size_t start = 0; start < count; start += TILE) {
            size_t end = start + TILE < count ? start + TILE : count;
            for (size_t i = start; i < end; i++) {
                unsigned long long value;
                memcpy(&value, in + 8 * i, 8);
                for (size_t byte = 0; byte < 8; byte++) out[byte * count + i] = (unsigned char)(value >> (8 * byte));
            }
        }
        return;
    default:
        for (size_t start = 0; start < count; start += TILE) {
            size_t end = start + TILE < count ? start + TILE : count;
            for (size_t byte = 0; byte < element_size; byte++) {
                unsigned char *plane = out + byte * count;
                for (size_t i = start; i < end; i++) plane[i] = in[i * element_size + byte];
            }
        }
    }
}

void zoo_byte_unshuffle(void *destination, const void *source, size_t count, size_t element_size) {
    unsigned char *restrict out = destination;
    const unsigned char *restrict in = source;
    switch (element_size) {
    case 1:
        memcpy(out, in, count);
        return;
    case 2:
        for (size_t i = 0; i < count; i++) {
            out[2 * i] = in[i];
            out[2 * i + 1] = in[count + i];
        }
        return;
    case 4:
        for (size_t i = 0; i < count; i++) {
            unsigned value = (unsigned)in[i] | (unsigned)in[count + i] << 8 | (unsigned)in[2 * count + i] << 16
                | (unsigned)in[3 * count + i] << 24;
            memcpy(out + 4 * i, &value, 4);
        }
        return;
    case 8:
        for (size_t i = 0; i < count; i++) {
            unsigned long long value = 0;
            for (size_t byte = 0; byte < 8; byte++) value |= (unsigned long long)in[byte * count + i] << (8 * byte);
            memcpy(out + 8 * i, &value, 8);
        }
        return;
    default:
        for (size_t start = 0; start < count; start += TILE) {
            size_t end = start + TILE < count ? start + TILE : count;
            for (size_t byte = 0; byte < element_size; byte++) {
                const unsigned char *plane = in + byte * count;
                for (size_t i = start; i < end; i++) out[i * element_size + byte] = plane[i];
            }
        }
    }
}
