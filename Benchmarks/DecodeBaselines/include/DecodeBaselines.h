// Bare C/C++ decoders for the benchmark: what a C programmer would write against the same libraries
// to get the same Float32 output MedSilo's Swift path produces. Each returns 0 on success.
#ifndef DECODE_BASELINES_H
#define DECODE_BASELINES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// DICOM from memory through DCMTK (JPEG 2000 fragments through OpenJPEG): frame 0 of a monochrome
/// image, masked, sign-extended and rescaled into `out` (rows × columns floats).
int baseline_dicom(const uint8_t *data, size_t size, float *out, size_t count);

/// PNG through libpng (8- or 16-bit gray or colour) into floats.
int baseline_png(const uint8_t *data, size_t size, float *out, size_t count);

/// JPEG through TurboJPEG (gray or RGB) into floats, with a handle kept per thread.
int baseline_jpeg(const uint8_t *data, size_t size, float *out, size_t count);

#ifdef __cplusplus
}
#endif

#endif
