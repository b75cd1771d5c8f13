// COpenJPEG: the only door from Swift into OpenJPEG 2.5, used for JPEG 2000 inside DICOM
// (free DCMTK has no JPEG 2000 codec). Streams are read from and written to memory; messages from the
// library are collected into `copj_error` and every entry point returns 0 on success or -1.
#ifndef COPENJPEG_H
#define COPENJPEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { COPJ_MESSAGE_CAPACITY = 200 };

typedef struct {
    char message[COPJ_MESSAGE_CAPACITY];
} copj_error;

typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t components;
    uint32_t precision;  ///< Bits per sample of the first component.
    uint8_t is_signed;   ///< Signedness of the first component.
    uint8_t uniform;     ///< 1 when every component has the same size, precision, signedness and no subsampling.
    uint8_t is_jp2;      ///< 1 for a JP2 file, 0 for a bare J2K codestream.
} copj_info;

/// Reads the main header of a J2K codestream or JP2 file. Does not decode tiles.
int copj_read_info(const uint8_t *data, size_t size, copj_info *info, copj_error *error);

/// Decodes the image into `pixels` as interleaved samples of `bytes_per_sample` (1, 2 or 4) bytes in
/// host order, signed or unsigned as the codestream says. Refuses images whose width, height or
/// component count differ from `expected` (pass the values from `copj_read_info` or the DICOM header),
/// and codestreams that end early.
int copj_decode(const uint8_t *data, size_t size, const copj_info *expected, uint32_t bytes_per_sample,
                void *pixels, size_t pixels_size, copj_error *error);

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} copj_buffer;

/// Encodes interleaved samples as a J2K codestream. `ratio` 0 gives reversible (lossless) coding with
/// the 5/3 wavelet; a ratio > 1 gives irreversible 9/7 coding at that compression ratio. `mct` applies the
/// multi-component transform to 3-component images.
int copj_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t components, uint32_t precision,
                uint8_t is_signed, uint32_t bytes_per_sample, float ratio, uint8_t mct, copj_buffer *out,
                copj_error *error);

void copj_buffer_free(copj_buffer *buffer);

#ifdef __cplusplus
}
#endif

#endif
