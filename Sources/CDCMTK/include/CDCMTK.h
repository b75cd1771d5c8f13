// CDCMTK: the only door from Swift into DCMTK 3.6.7.
//
// DCMTK is C++; this header is plain C so that neither C++ nor exceptions reach Swift. Every entry
// point catches everything, returns a status (0 success, -1 failure, or a count) and, on failure,
// fills `cdcm_error`. Interpretation of pixels (bit masks, signs, colour, LUTs) is left to Swift; this
// shim only parses, decompresses and copies bytes.
#ifndef CDCMTK_H
#define CDCMTK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { CDCM_MESSAGE_CAPACITY = 256 };

typedef struct {
    char message[CDCM_MESSAGE_CAPACITY];
} cdcm_error;

/// A parsed DICOM file or dataset. Not thread-safe: one per thread at a time.
typedef struct cdcm_file cdcm_file;

/// One step of an attribute path: `tag` is (group << 16) | element. `item` ≥ 0 descends into that item
/// of the sequence `tag`; the last step has `item` = -1 and names the attribute itself.
typedef struct {
    uint32_t tag;
    int32_t item;
} cdcm_path_step;

/// Registers the JPEG, JPEG-LS and RLE codecs and silences DCMTK's logging. Idempotent and
/// thread-safe; the opening and writing entry points call it.
void cdcm_initialize(void);

/// Parses a file (with or without the 128-byte preamble and meta header). Values larger than a few
/// kilobytes, such as pixel data, stay on disk until read.
int cdcm_open_path(const char *path, cdcm_file **file, cdcm_error *error);

/// Parses a file held in memory. All values are copied out of `data` before returning.
int cdcm_open_memory(const uint8_t *data, size_t size, cdcm_file **file, cdcm_error *error);

void cdcm_close(cdcm_file *file);

/// Copies the transfer syntax UID the dataset was read with into `uid` (NUL-terminated).
int cdcm_transfer_syntax(const cdcm_file *file, char *uid, size_t capacity, cdcm_error *error);

enum {
    CDCM_TEXT_CAPACITY = 128,
    CDCM_MAX_WINDOWS = 8,
};

/// Bits of `cdcm_header.present` (attribute found) and `cdcm_header.invalid` (found but not a number).
enum {
    CDCM_ROWS = 1 << 0,
    CDCM_COLUMNS = 1 << 1,
    CDCM_FRAMES = 1 << 2,
    CDCM_SAMPLES = 1 << 3,
    CDCM_BITS_ALLOCATED = 1 << 4,
    CDCM_BITS_STORED = 1 << 5,
    CDCM_REPRESENTATION = 1 << 6,
    CDCM_PLANAR = 1 << 7,
    CDCM_SLOPE = 1 << 8,
    CDCM_INTERCEPT = 1 << 9,
    CDCM_SPACING = 1 << 10,
    CDCM_WINDOWS = 1 << 11,
};

/// The top-level attributes MedSilo needs from every file, read in one call.
typedef struct {
    uint32_t present;
    uint32_t invalid;
    uint16_t rows, columns, samples_per_pixel, bits_allocated, bits_stored, pixel_representation,
        planar_configuration;
    int32_t frames;
    double rescale_slope, rescale_intercept;
    double pixel_spacing[2];
    uint32_t window_count;
    double window_center[CDCM_MAX_WINDOWS], window_width[CDCM_MAX_WINDOWS];
    uint32_t modality_lut_items, shared_groups, per_frame_groups;
    char photometric[CDCM_TEXT_CAPACITY], voi_function[CDCM_TEXT_CAPACITY];
    char modality[CDCM_TEXT_CAPACITY], manufacturer[CDCM_TEXT_CAPACITY], institution[CDCM_TEXT_CAPACITY],
        body_part[CDCM_TEXT_CAPACITY], patient_id[CDCM_TEXT_CAPACITY], study_uid[CDCM_TEXT_CAPACITY],
        series_uid[CDCM_TEXT_CAPACITY], sop_uid[CDCM_TEXT_CAPACITY];
} cdcm_header;

/// Fills `header` from the dataset's top level (numbers as numbers, strings truncated to fit).
int cdcm_read_header(cdcm_file *file, cdcm_header *header, cdcm_error *error);

/// Reads the string form of an attribute (values joined with '\'). Returns 1 when found (the value
/// is truncated to fit `capacity` and `length` gives the full length), 0 when absent or empty, -1 on error.
int cdcm_get_string(cdcm_file *file, const cdcm_path_step *path, size_t steps, char *value, size_t capacity,
                    size_t *length, cdcm_error *error);

/// Reads 16-bit values of a US, SS, OW or "US or SS" attribute as raw 16-bit words (SS values
/// reinterpreted). Returns 1 when found, 0 when absent, -1 on error; `count` gives the total number of
/// values and at most `capacity` are copied.
int cdcm_get_words(cdcm_file *file, const cdcm_path_step *path, size_t steps, uint16_t *words, size_t capacity,
                   size_t *count, cdcm_error *error);

typedef struct {
    uint8_t present;       ///< 1 when (7FE0,0010) exists.
    uint8_t encapsulated;  ///< 1 for compressed (fragmented) pixel data.
    uint8_t big_endian;    ///< 1 when the file was explicit VR big endian.
    uint8_t word_vr;       ///< 1 when the native pixel data has VR OW (swapped per 16-bit word on big endian).
    uint32_t fragments;    ///< Encapsulated: number of fragments, without the basic offset table.
    uint64_t length;       ///< Native: length of the value in bytes.
} cdcm_pixel_info;

int cdcm_pixel_info_get(cdcm_file *file, cdcm_pixel_info *info, cdcm_error *error);

/// Copies `count` bytes of native pixel data starting at byte `offset`, 16-bit words in little-endian
/// order. Only the requested range is read from disk.
int cdcm_read_native(cdcm_file *file, uint64_t offset, uint64_t count, void *destination, cdcm_error *error);

/// Decompresses frame `frame` (of `frames`) of encapsulated pixel data with a registered DCMTK codec
/// (JPEG, JPEG-LS, RLE) into `destination`. `size` is the decoded frame size the caller computed from
/// the header; it must equal DCMTK's own figure, and `destination` must hold `size` rounded up to even.
/// Before decoding, the bitstream is checked against the header (JPEG start-of-frame, RLE segment
/// table), so that a damaged or lying file is refused instead of overrunning memory. Returns the
/// decompressed colour model and planar configuration.
int cdcm_decode_frame(cdcm_file *file, uint32_t frame, uint32_t frames, void *destination, size_t size,
                      char *color_model, size_t color_model_capacity, uint16_t *planar_configuration,
                      cdcm_error *error);

/// Size in bytes of the compressed bitstream of frame `frame` (all its fragments concatenated), for
/// codecs DCMTK lacks (JPEG 2000). `frames` is the NumberOfFrames.
int cdcm_encapsulated_frame_size(cdcm_file *file, uint32_t frame, uint32_t frames, uint64_t *size,
                                 cdcm_error *error);

/// Copies the compressed bitstream of frame `frame` into `destination` of exactly the size given by
/// `cdcm_encapsulated_frame_size`.
int cdcm_copy_encapsulated_frame(cdcm_file *file, uint32_t frame, uint32_t frames, void *destination, size_t size,
                                 cdcm_error *error);

// MARK: Writing

/// One attribute to write: either its DICOM string form in `value` (numbers as decimal text, multiple
/// values separated by '\'), or, when `words` is not NULL, `word_count` 16-bit values (for US, SS, OW
/// and lookup-table attributes). The VR comes from DCMTK's data dictionary; "US or SS" becomes US and
/// "US or OW" becomes OW.
typedef struct {
    uint32_t tag;
    const char *value;
    const uint16_t *words;
    size_t word_count;
} cdcm_attribute;

/// How to compress when writing. `kind`: 0 none, 1 JPEG lossless (process 14; `parameter` = predictor
/// 1–7, 1 gives SV1), 2 JPEG baseline / extended (`parameter` = quality 1–100), 3 JPEG-LS (`parameter` =
/// near-lossless deviation, 0 for lossless), 4 RLE. Other kinds are refused.
typedef struct {
    int kind;
    int parameter;
} cdcm_compression;

/// Writes a DICOM file with meta header: the attributes, then native pixel data (`pixel_bytes` bytes,
/// VR OW when `bits_allocated` > 8, else OB), compressed as asked and encoded with transfer syntax
/// `transfer_syntax_uid`. Writes to `path` directly; callers make the write atomic.
int cdcm_write(const char *path, const cdcm_attribute *attributes, size_t count, const void *pixels,
               size_t pixel_bytes, uint16_t bits_allocated, const char *transfer_syntax_uid,
               cdcm_compression compression, cdcm_error *error);

/// Writes a DICOM file whose pixel data is encapsulated from precompressed frames (one fragment per
/// frame, with a basic offset table), e.g. JPEG 2000 codestreams.
int cdcm_write_encapsulated(const char *path, const cdcm_attribute *attributes, size_t count,
                            const uint8_t *const *frames, const size_t *frame_sizes, size_t frame_count,
                            const char *transfer_syntax_uid, cdcm_error *error);

#ifdef __cplusplus
}
#endif

#endif
