// libpng behind plain return codes. Every png_* call that can fail runs under the setjmp of its own
// entry point; locals that must survive a longjmp are volatile.
#include "CPNG.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    cpng_error *error;
} reader_state;

static void set_message(cpng_error *error, const char *message) {
    if (error == NULL) return;
    snprintf(error->message, CPNG_MESSAGE_CAPACITY, "%s", message);
}

static void on_error(png_structp png, png_const_charp message) {
    reader_state *state = (reader_state *)png_get_error_ptr(png);
    if (state != NULL) set_message(state->error, message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

// Bounds-checked read from memory: running out of data is a libpng error, never an overread.
static void read_from_memory(png_structp png, png_bytep out, png_size_t count) {
    reader_state *state = (reader_state *)png_get_io_ptr(png);
    if (count > state->size - state->offset) {
        png_error(png, "file is truncated");
        return;
    }
    memcpy(out, state->data + state->offset, count);
    state->offset += count;
}

/// Configures the read transforms and fills `info` with the output layout.
static void configure(png_structp png, png_infop info_ptr, cpng_info *info) {
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info_ptr, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    int has_trns = png_get_valid(png, info_ptr, PNG_INFO_tRNS) ? 1 : 0;

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        if (has_trns) png_set_tRNS_to_alpha(png);
    } else if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (bit_depth == 16) png_set_swap(png);
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info_ptr);

    info->width = width;
    info->height = height;
    info->bit_depth = (uint8_t)bit_depth;
    info->color_type = (uint8_t)color_type;
    info->interlaced = interlace != PNG_INTERLACE_NONE;
    info->has_trns = (uint8_t)has_trns;
    info->channels = png_get_channels(png, info_ptr);
    info->bytes_per_sample = png_get_bit_depth(png, info_ptr) == 16 ? 2 : 1;
}

static int start_read(png_structp *png, png_infop *info_ptr, reader_state *state, uint32_t max_width,
                      uint32_t max_height) {
    if (state->size < 8 || png_sig_cmp(state->data, 0, 8) != 0) {
        set_message(state->error, "not a PNG signature");
        return -1;
    }
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, state, on_error, on_warning);
    if (*png == NULL) {
        set_message(state->error, "libpng could not allocate its read state");
        return -1;
    }
    *info_ptr = png_create_info_struct(*png);
    if (*info_ptr == NULL) {
        png_destroy_read_struct(png, NULL, NULL);
        set_message(state->error, "libpng could not allocate its info state");
        return -1;
    }
    png_set_read_fn(*png, state, read_from_memory);
    png_set_user_limits(*png, max_width, max_height);
    return 0;
}

int cpng_read_info(const uint8_t *data, size_t size, uint32_t max_width, uint32_t max_height,
                   cpng_info *info, cpng_error *error) {
    reader_state state = {data, size, 0, error};
    png_structp png = NULL;
    png_infop info_ptr = NULL;
    if (start_read(&png, &info_ptr, &state, max_width, max_height) != 0) return -1;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info_ptr, NULL);
        return -1;
    }
    png_read_info(png, info_ptr);
    configure(png, info_ptr, info);
    png_destroy_read_struct(&png, &info_ptr, NULL);
    return 0;
}

int cpng_decode(const uint8_t *data, size_t size, uint32_t max_width, uint32_t max_height,
                void *pixels, size_t pixels_size, cpng_error *error) {
    reader_state state = {data, size, 0, error};
    png_structp png = NULL;
    png_infop info_ptr = NULL;
    png_bytep *volatile rows = NULL;
    if (start_read(&png, &info_ptr, &state, max_width, max_height) != 0) return -1;
    if (setjmp(png_jmpbuf(png))) {
        free((void *)rows);
        png_destroy_read_struct(&png, &info_ptr, NULL);
        return -1;
    }
    png_read_info(png, info_ptr);
    cpng_info info;
    configure(png, info_ptr, &info);
    size_t row_bytes = (size_t)info.width * info.channels * info.bytes_per_sample;
    if (png_get_rowbytes(png, info_ptr) != row_bytes || row_bytes * info.height != pixels_size) {
        png_error(png, "decoded layout does not match the destination buffer");
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (info.height ? info.height : 1));
    if (rows == NULL) png_error(png, "out of memory for row pointers");
    for (uint32_t y = 0; y < info.height; y++) rows[y] = (png_bytep)pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free((void *)rows);
    rows = NULL;
    png_destroy_read_struct(&png, &info_ptr, NULL);
    return 0;
}

// MARK: - Writing

typedef struct {
    cpng_buffer *out;
    cpng_error *error;
} writer_state;

static void on_write_error(png_structp png, png_const_charp message) {
    writer_state *state = (writer_state *)png_get_error_ptr(png);
    if (state != NULL) set_message(state->error, message);
    png_longjmp(png, 1);
}

static void write_to_memory(png_structp png, png_bytep bytes, png_size_t count) {
    writer_state *state = (writer_state *)png_get_io_ptr(png);
    cpng_buffer *out = state->out;
    if (count > out->capacity - out->size) {
        size_t capacity = out->capacity ? out->capacity : 65536;
        while (capacity - out->size < count) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(out->data, capacity);
        if (grown == NULL) png_error(png, "out of memory while encoding");
        out->data = grown;
        out->capacity = capacity;
    }
    memcpy(out->data + out->size, bytes, count);
    out->size += count;
}

static void flush_memory(png_structp png) { (void)png; }

typedef void (*header_writer)(png_structp, png_infop, const void *);

/// Shared body of the encoders: creates the write state, lets `write_header` describe the image,
/// then writes `height` rows of `row_bytes` from `pixels`.
static int encode_rows(const void *pixels, uint32_t height, size_t row_bytes, int swap16, int pack,
                       int compression_level, header_writer write_header, const void *context,
                       cpng_buffer *out, cpng_error *error) {
    writer_state state = {out, error};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_write_error, on_warning);
    if (png == NULL) {
        set_message(error, "libpng could not allocate its write state");
        return -1;
    }
    png_infop info_ptr = png_create_info_struct(png);
    if (info_ptr == NULL) {
        png_destroy_write_struct(&png, NULL);
        set_message(error, "libpng could not allocate its info state");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info_ptr);
        return -1;
    }
    png_set_write_fn(png, &state, write_to_memory, flush_memory);
    if (compression_level >= 0) png_set_compression_level(png, compression_level);
    write_header(png, info_ptr, context);
    png_write_info(png, info_ptr);
    if (swap16) png_set_swap(png);
    if (pack) png_set_packing(png);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            png_write_row(png, (png_const_bytep)pixels + (size_t)y * row_bytes);
        }
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info_ptr);
    return 0;
}

typedef struct {
    uint32_t width, height;
    int bit_depth, color_type, interlace;
    const uint8_t *palette_rgb;
    int palette_size;
    const uint8_t *alpha;
    int alpha_size;
} header_params;

static void write_plain_header(png_structp png, png_infop info_ptr, const void *context) {
    const header_params *p = (const header_params *)context;
    png_set_IHDR(png, info_ptr, p->width, p->height, p->bit_depth, p->color_type,
                 p->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (p->palette_rgb != NULL) {
        png_color colors[256];
        for (int i = 0; i < p->palette_size; i++) {
            colors[i].red = p->palette_rgb[3 * i];
            colors[i].green = p->palette_rgb[3 * i + 1];
            colors[i].blue = p->palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info_ptr, colors, p->palette_size);
        if (p->alpha != NULL && p->alpha_size > 0) {
            png_set_tRNS(png, info_ptr, p->alpha, p->alpha_size, NULL);
        }
    }
}

int cpng_encode(const void *pixels, uint32_t width, uint32_t height, uint8_t channels, uint8_t bit_depth,
                uint8_t interlace, int compression_level, cpng_buffer *out, cpng_error *error) {
    static const int color_types[5] = {-1, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16) || width == 0 || height == 0) {
        set_message(error, "unsupported PNG layout for encoding");
        return -1;
    }
    header_params p = {width, height, bit_depth, color_types[channels], interlace, NULL, 0, NULL, 0};
    size_t row_bytes = (size_t)width * channels * (bit_depth / 8);
    return encode_rows(pixels, height, row_bytes, bit_depth == 16, 0, compression_level, write_plain_header, &p,
                       out, error);
}

int cpng_encode_palette(const uint8_t *indices, uint32_t width, uint32_t height, uint8_t bit_depth,
                        const uint8_t *palette_rgb, int palette_size, const uint8_t *alpha, int alpha_size,
                        uint8_t interlace, cpng_buffer *out, cpng_error *error) {
    if (palette_size < 1 || palette_size > 256 || palette_size > (1 << bit_depth) || alpha_size > palette_size ||
        width == 0 || height == 0) {
        set_message(error, "unsupported palette layout for encoding");
        return -1;
    }
    header_params p = {width,      height,       bit_depth, PNG_COLOR_TYPE_PALETTE, interlace,
                       palette_rgb, palette_size, alpha,     alpha_size};
    return encode_rows(indices, height, width, 0, bit_depth < 8, -1, write_plain_header, &p, out, error);
}

int cpng_encode_low_gray(const uint8_t *samples, uint32_t width, uint32_t height, uint8_t bit_depth,
                         uint8_t interlace, cpng_buffer *out, cpng_error *error) {
    if ((bit_depth != 1 && bit_depth != 2 && bit_depth != 4) || width == 0 || height == 0) {
        set_message(error, "unsupported low-bit gray layout for encoding");
        return -1;
    }
    header_params p = {width, height, bit_depth, PNG_COLOR_TYPE_GRAY, interlace, NULL, 0, NULL, 0};
    return encode_rows(samples, height, width, 0, 1, -1, write_plain_header, &p, out, error);
}

void cpng_buffer_free(cpng_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}
