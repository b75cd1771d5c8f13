// OpenJPEG 2.5 with memory streams and collected messages.
#include "COpenJPEG.h"

#include <openjpeg-2.5/openjpeg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Messages

typedef struct {
    copj_error *error;
    int warned_truncation;
} message_sink;

static void set_message(copj_error *error, const char *message) {
    if (error == NULL) return;
    snprintf(error->message, COPJ_MESSAGE_CAPACITY, "%s", message);
    // OpenJPEG messages end with a newline; keep messages on one line.
    size_t n = strlen(error->message);
    while (n > 0 && (error->message[n - 1] == '\n' || error->message[n - 1] == '\r')) error->message[--n] = 0;
}

static void on_error(const char *message, void *client) {
    message_sink *sink = (message_sink *)client;
    // Keep the first error: later ones are usually consequences.
    if (sink->error != NULL && sink->error->message[0] == 0) set_message(sink->error, message);
}

static void on_warning(const char *message, void *client) {
    message_sink *sink = (message_sink *)client;
    // A codestream that ends before its tiles do decodes "successfully" with zeros and only a warning.
    if (strstr(message, "Stream too short") != NULL || strstr(message, "truncated") != NULL ||
        strstr(message, "Stream does not end with EOC") != NULL) {
        if (!sink->warned_truncation) set_message(sink->error, message);
        sink->warned_truncation = 1;
    }
}

static void on_info(const char *message, void *client) {
    (void)message;
    (void)client;
}

static void install_handlers(opj_codec_t *codec, message_sink *sink) {
    opj_set_error_handler(codec, on_error, sink);
    opj_set_warning_handler(codec, on_warning, sink);
    opj_set_info_handler(codec, on_info, sink);
}

// MARK: - Memory streams

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} read_cursor;

static OPJ_SIZE_T read_fn(void *buffer, OPJ_SIZE_T count, void *user) {
    read_cursor *c = (read_cursor *)user;
    if (c->offset >= c->size) return (OPJ_SIZE_T)-1;
    size_t n = c->size - c->offset;
    if (n > count) n = count;
    memcpy(buffer, c->data + c->offset, n);
    c->offset += n;
    return n;
}

static OPJ_OFF_T skip_read_fn(OPJ_OFF_T count, void *user) {
    read_cursor *c = (read_cursor *)user;
    if (count < 0) {
        if ((size_t)(-count) > c->offset) return -1;
        c->offset -= (size_t)(-count);
        return count;
    }
    size_t n = c->size - c->offset;
    if ((OPJ_OFF_T)n > count) n = (size_t)count;
    c->offset += n;
    return (OPJ_OFF_T)n;
}

static OPJ_BOOL seek_read_fn(OPJ_OFF_T position, void *user) {
    read_cursor *c = (read_cursor *)user;
    if (position < 0 || (size_t)position > c->size) return OPJ_FALSE;
    c->offset = (size_t)position;
    return OPJ_TRUE;
}

static opj_stream_t *open_read_stream(read_cursor *cursor) {
    opj_stream_t *stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    if (stream == NULL) return NULL;
    opj_stream_set_user_data(stream, cursor, NULL);
    opj_stream_set_user_data_length(stream, cursor->size);
    opj_stream_set_read_function(stream, read_fn);
    opj_stream_set_skip_function(stream, skip_read_fn);
    opj_stream_set_seek_function(stream, seek_read_fn);
    return stream;
}

typedef struct {
    copj_buffer *out;
    size_t offset;
} write_cursor;

static int reserve(copj_buffer *out, size_t needed) {
    if (needed <= out->capacity) return 1;
    size_t capacity = out->capacity ? out->capacity : 65536;
    while (capacity < needed) capacity *= 2;
    uint8_t *grown = (uint8_t *)realloc(out->data, capacity);
    if (grown == NULL) return 0;
    out->data = grown;
    out->capacity = capacity;
    return 1;
}

static OPJ_SIZE_T write_fn(void *buffer, OPJ_SIZE_T count, void *user) {
    write_cursor *c = (write_cursor *)user;
    if (!reserve(c->out, c->offset + count)) return (OPJ_SIZE_T)-1;
    memcpy(c->out->data + c->offset, buffer, count);
    c->offset += count;
    if (c->offset > c->out->size) c->out->size = c->offset;
    return count;
}

static OPJ_OFF_T skip_write_fn(OPJ_OFF_T count, void *user) {
    write_cursor *c = (write_cursor *)user;
    if (count < 0 && (size_t)(-count) > c->offset) return -1;
    size_t target = (size_t)((OPJ_OFF_T)c->offset + count);
    if (!reserve(c->out, target)) return -1;
    if (target > c->out->size) {
        memset(c->out->data + c->out->size, 0, target - c->out->size);
        c->out->size = target;
    }
    c->offset = target;
    return count;
}

static OPJ_BOOL seek_write_fn(OPJ_OFF_T position, void *user) {
    write_cursor *c = (write_cursor *)user;
    if (position < 0) return OPJ_FALSE;
    return skip_write_fn(position - (OPJ_OFF_T)c->offset, user) >= 0 ? OPJ_TRUE : OPJ_FALSE;
}

// MARK: - Decoding

static const uint8_t jp2_signature[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};

static int is_jp2(const uint8_t *data, size_t size) {
    return size >= sizeof jp2_signature && memcmp(data, jp2_signature, sizeof jp2_signature) == 0;
}

/// Opens a codec and reads the main header. On success the caller owns codec, stream and image.
static int open_image(const uint8_t *data, size_t size, read_cursor *cursor, message_sink *sink,
                      opj_codec_t **codec, opj_stream_t **stream, opj_image_t **image) {
    *codec = NULL;
    *stream = NULL;
    *image = NULL;
    if (size < 4 || !(is_jp2(data, size) || (data[0] == 0xFF && data[1] == 0x4F && data[2] == 0xFF &&
                                             data[3] == 0x51))) {
        set_message(sink->error, "not a JPEG 2000 codestream (no SOC/SIZ marker or JP2 signature)");
        return -1;
    }
    *codec = opj_create_decompress(is_jp2(data, size) ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    if (*codec == NULL) {
        set_message(sink->error, "OpenJPEG could not create a decoder");
        return -1;
    }
    install_handlers(*codec, sink);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (!opj_setup_decoder(*codec, &parameters)) goto fail;
    cursor->data = data;
    cursor->size = size;
    cursor->offset = 0;
    *stream = open_read_stream(cursor);
    if (*stream == NULL) {
        set_message(sink->error, "OpenJPEG could not create a stream");
        goto fail;
    }
    if (!opj_read_header(*stream, *codec, image)) goto fail;
    return 0;
fail:
    if (sink->error != NULL && sink->error->message[0] == 0) set_message(sink->error, "invalid JPEG 2000 header");
    if (*image) opj_image_destroy(*image);
    if (*stream) opj_stream_destroy(*stream);
    if (*codec) opj_destroy_codec(*codec);
    *codec = NULL;
    *stream = NULL;
    *image = NULL;
    return -1;
}

static void describe(const opj_image_t *image, int jp2, copj_info *info) {
    memset(info, 0, sizeof *info);
    info->width = image->x1 - image->x0;
    info->height = image->y1 - image->y0;
    info->components = image->numcomps;
    info->is_jp2 = (uint8_t)jp2;
    if (image->numcomps == 0) return;
    info->precision = image->comps[0].prec;
    info->is_signed = (uint8_t)image->comps[0].sgnd;
    int uniform = 1;
    for (OPJ_UINT32 c = 0; c < image->numcomps; c++) {
        const opj_image_comp_t *comp = &image->comps[c];
        if (comp->dx != 1 || comp->dy != 1 || comp->prec != info->precision || comp->sgnd != info->is_signed) {
            uniform = 0;
        }
    }
    info->uniform = (uint8_t)uniform;
}

int copj_read_info(const uint8_t *data, size_t size, copj_info *info, copj_error *error) {
    if (error) error->message[0] = 0;
    message_sink sink = {error, 0};
    read_cursor cursor;
    opj_codec_t *codec;
    opj_stream_t *stream;
    opj_image_t *image;
    if (open_image(data, size, &cursor, &sink, &codec, &stream, &image) != 0) return -1;
    describe(image, is_jp2(data, size), info);
    opj_image_destroy(image);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return 0;
}

int copj_decode(const uint8_t *data, size_t size, const copj_info *expected, uint32_t bytes_per_sample,
                void *pixels, size_t pixels_size, copj_error *error) {
    if (error) error->message[0] = 0;
    message_sink sink = {error, 0};
    read_cursor cursor;
    opj_codec_t *codec;
    opj_stream_t *stream;
    opj_image_t *image;
    if (open_image(data, size, &cursor, &sink, &codec, &stream, &image) != 0) return -1;
    int status = -1;
    copj_info found;
    describe(image, is_jp2(data, size), &found);
    if (found.width != expected->width || found.height != expected->height ||
        found.components != expected->components) {
        char text[COPJ_MESSAGE_CAPACITY];
        snprintf(text, sizeof text, "codestream is %ux%u with %u components, expected %ux%u with %u",
                 found.width, found.height, found.components, expected->width, expected->height,
                 expected->components);
        set_message(error, text);
        goto done;
    }
    if (!found.uniform) {
        set_message(error, "components differ in size, precision or signedness (subsampled JPEG 2000 is not supported)");
        goto done;
    }
    if (bytes_per_sample != 1 && bytes_per_sample != 2 && bytes_per_sample != 4) {
        set_message(error, "unsupported output sample size");
        goto done;
    }
    if (found.precision > bytes_per_sample * 8) {
        set_message(error, "codestream precision exceeds the DICOM sample size");
        goto done;
    }
    size_t count = (size_t)found.width * found.height;
    if (pixels_size != count * found.components * bytes_per_sample) {
        set_message(error, "destination buffer does not match the image size");
        goto done;
    }
    if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) {
        if (error && error->message[0] == 0) set_message(error, "JPEG 2000 decoding failed");
        goto done;
    }
    if (sink.warned_truncation) goto done;
    for (OPJ_UINT32 c = 0; c < image->numcomps; c++) {
        if (image->comps[c].data == NULL) {
            set_message(error, "JPEG 2000 decoding produced no data for a component");
            goto done;
        }
    }
    uint32_t n = found.components;
    for (OPJ_UINT32 c = 0; c < n; c++) {
        const OPJ_INT32 *src = image->comps[c].data;
        switch (bytes_per_sample) {
        case 1: {
            uint8_t *dst = (uint8_t *)pixels + c;
            for (size_t i = 0; i < count; i++) dst[i * n] = (uint8_t)src[i];
            break;
        }
        case 2: {
            uint16_t *dst = (uint16_t *)pixels + c;
            for (size_t i = 0; i < count; i++) dst[i * n] = (uint16_t)src[i];
            break;
        }
        default: {
            uint32_t *dst = (uint32_t *)pixels + c;
            for (size_t i = 0; i < count; i++) dst[i * n] = (uint32_t)src[i];
            break;
        }
        }
    }
    status = 0;
done:
    opj_image_destroy(image);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return status;
}

// MARK: - Encoding

static int32_t sample_at(const void *pixels, size_t index, uint32_t bytes_per_sample, int is_signed) {
    switch (bytes_per_sample) {
    case 1: return is_signed ? (int32_t)((const int8_t *)pixels)[index] : (int32_t)((const uint8_t *)pixels)[index];
    case 2:
        return is_signed ? (int32_t)((const int16_t *)pixels)[index] : (int32_t)((const uint16_t *)pixels)[index];
    default: return ((const int32_t *)pixels)[index];
    }
}

static OPJ_UINT32 resolutions_for(uint32_t width, uint32_t height) {
    uint32_t side = width < height ? width : height;
    OPJ_UINT32 levels = 1;
    while (levels < 6 && (side >> levels) >= 1) levels++;
    return levels;
}

int copj_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t components, uint32_t precision,
                uint8_t is_signed, uint32_t bytes_per_sample, float ratio, uint8_t mct, copj_buffer *out,
                copj_error *error) {
    if (error) error->message[0] = 0;
    if (width == 0 || height == 0 || components == 0 || components > 4 || precision == 0 || precision > 24 ||
        (bytes_per_sample != 1 && bytes_per_sample != 2 && bytes_per_sample != 4)) {
        set_message(error, "unsupported layout for JPEG 2000 encoding");
        return -1;
    }
    opj_image_cmptparm_t params[4];
    memset(params, 0, sizeof params);
    for (uint32_t c = 0; c < components; c++) {
        params[c].dx = 1;
        params[c].dy = 1;
        params[c].w = width;
        params[c].h = height;
        params[c].prec = precision;
        params[c].sgnd = is_signed;
    }
    opj_image_t *image = opj_image_create(components, params, components == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
    if (image == NULL) {
        set_message(error, "OpenJPEG could not allocate the image");
        return -1;
    }
    image->x0 = 0;
    image->y0 = 0;
    image->x1 = width;
    image->y1 = height;
    size_t count = (size_t)width * height;
    for (uint32_t c = 0; c < components; c++) {
        OPJ_INT32 *dst = image->comps[c].data;
        for (size_t i = 0; i < count; i++) dst[i] = sample_at(pixels, i * components + c, bytes_per_sample, is_signed);
    }

    opj_cparameters_t parameters;
    opj_set_default_encoder_parameters(&parameters);
    parameters.tcp_numlayers = 1;
    parameters.cp_disto_alloc = 1;
    parameters.tcp_rates[0] = ratio > 1 ? ratio : 0;
    parameters.irreversible = ratio > 1 ? 1 : 0;
    parameters.tcp_mct = (components == 3 && mct) ? 1 : 0;
    parameters.numresolution = (int)resolutions_for(width, height);

    int status = -1;
    message_sink sink = {error, 0};
    write_cursor cursor = {out, out->size};
    opj_stream_t *stream = NULL;
    opj_codec_t *codec = opj_create_compress(OPJ_CODEC_J2K);
    if (codec == NULL) {
        set_message(error, "OpenJPEG could not create an encoder");
        goto done;
    }
    install_handlers(codec, &sink);
    if (!opj_setup_encoder(codec, &parameters, image)) goto done;
    stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE);
    if (stream == NULL) goto done;
    opj_stream_set_user_data(stream, &cursor, NULL);
    opj_stream_set_write_function(stream, write_fn);
    opj_stream_set_skip_function(stream, skip_write_fn);
    opj_stream_set_seek_function(stream, seek_write_fn);
    if (!opj_start_compress(codec, image, stream) || !opj_encode(codec, stream) || !opj_end_compress(codec, stream)) {
        goto done;
    }
    status = 0;
done:
    if (status != 0 && error && error->message[0] == 0) set_message(error, "JPEG 2000 encoding failed");
    if (stream) opj_stream_destroy(stream);
    if (codec) opj_destroy_codec(codec);
    opj_image_destroy(image);
    return status;
}

void copj_buffer_free(copj_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}
