// CPNG: the only door from Swift into libpng 1.6.
//
// libpng reports errors by longjmp; Swift frames must never be jumped over, so every setjmp lives in
// png_shim.c and each entry point returns 0 on success or -1 with a message in `cpng_error`.
#ifndef CPNG_H
#define CPNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { CPNG_MESSAGE_CAPACITY = 200 };

typedef struct {
    char message[CPNG_MESSAGE_CAPACITY];
} cpng_error;

/// The header of a PNG and the layout `cpng_decode` will produce.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint8_t bit_depth;        ///< As in the file: 1, 2, 4, 8 or 16.
    uint8_t color_type;       ///< PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
    uint8_t interlaced;       ///< 1 for Adam7.
    uint8_t has_trns;         ///< 1 when a tRNS chunk is present.
    uint8_t channels;         ///< Samples per pixel of the decoded output.
    uint8_t bytes_per_sample; ///< 1 or 2 (16-bit output, host byte order).
} cpng_info;

/// Reads the header of the PNG held in `data`. Does not allocate image memory.
/// Width and height above the given maxima are refused.
int cpng_read_info(const uint8_t *data, size_t size, uint32_t max_width, uint32_t max_height,
                   cpng_info *info, cpng_error *error);

/// Decodes the whole image into `pixels` (rows top to bottom, samples interleaved).
/// Output: gray of 1/2/4 bits expanded to 8 bits (scaled to 0–255); palette expanded to RGB, or RGBA
/// when a tRNS chunk is present; 16-bit samples in host byte order; no gamma or colour conversion.
/// `pixels_size` must equal width × height × channels × bytes_per_sample from `cpng_read_info`.
int cpng_decode(const uint8_t *data, size_t size, uint32_t max_width, uint32_t max_height,
                void *pixels, size_t pixels_size, cpng_error *error);

/// A growable output buffer owned by C; release with `cpng_buffer_free`.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} cpng_buffer;

/// Encodes interleaved samples (1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA; bit depth 8 or 16, 16-bit
/// samples in host byte order) as a PNG into `out`. `interlace` 1 writes Adam7.
int cpng_encode(const void *pixels, uint32_t width, uint32_t height, uint8_t channels, uint8_t bit_depth,
                uint8_t interlace, int compression_level, cpng_buffer *out, cpng_error *error);

/// Encodes a palette image: `indices` are one byte per pixel, packed by libpng to `bit_depth` (1, 2, 4
/// or 8); `palette_rgb` holds `palette_size` RGB triplets; `alpha` (may be NULL) holds `alpha_size`
/// tRNS entries. Exists so that tests and sample sets can produce every colour type.
int cpng_encode_palette(const uint8_t *indices, uint32_t width, uint32_t height, uint8_t bit_depth,
                        const uint8_t *palette_rgb, int palette_size, const uint8_t *alpha, int alpha_size,
                        uint8_t interlace, cpng_buffer *out, cpng_error *error);

/// Encodes gray samples of 1, 2 or 4 bits (one sample per byte, values below 2^bit_depth).
int cpng_encode_low_gray(const uint8_t *samples, uint32_t width, uint32_t height, uint8_t bit_depth,
                         uint8_t interlace, cpng_buffer *out, cpng_error *error);

void cpng_buffer_free(cpng_buffer *buffer);

#ifdef __cplusplus
}
#endif

#endif
