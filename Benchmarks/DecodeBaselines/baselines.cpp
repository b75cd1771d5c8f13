// Bare decoders for medsilo-bench. Plain library calls, no validation beyond what the libraries do:
// the figure to beat, not production code.
#include "DecodeBaselines.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>
#include <openjpeg-2.5/openjpeg.h>
#include <png.h>
#include <turbojpeg.h>

#include <csetjmp>
#include <cstring>
#include <mutex>
#include <vector>

namespace {

void register_codecs() {
    static std::once_flag once;
    std::call_once(once, [] {
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        // Same parameters as MedSilo's shim: whichever registers first, both decode alike.
        DJDecoderRegistration::registerCodecs(EDC_photometricInterpretation, EUC_never, EPC_colorByPixel);
        DJLSDecoderRegistration::registerCodecs(EJLSUC_never, EJLSPC_colorByPixel);
        DcmRLEDecoderRegistration::registerCodecs(OFFalse, OFFalse);
    });
}

template <typename T> void rescale(const T *src, size_t n, int bitsStored, bool isSigned, double slope, double intercept, float *out) {
    const int32_t mask = (1 << bitsStored) - 1;
    const int32_t sign = isSigned ? (1 << (bitsStored - 1)) : 0;
    const float s = float(slope), b = float(intercept);
    for (size_t i = 0; i < n; i++) {
        int32_t v = ((int32_t(src[i]) & mask) ^ sign) - sign;
        out[i] = float(v) * s + b;
    }
}

struct Memory {
    const uint8_t *data;
    size_t size, offset;
};

OPJ_SIZE_T opj_read(void *buffer, OPJ_SIZE_T count, void *user) {
    Memory *m = static_cast<Memory *>(user);
    if (m->offset >= m->size) return OPJ_SIZE_T(-1);
    size_t n = std::min(count, m->size - m->offset);
    std::memcpy(buffer, m->data + m->offset, n);
    m->offset += n;
    return n;
}
OPJ_OFF_T opj_skip(OPJ_OFF_T count, void *user) {
    Memory *m = static_cast<Memory *>(user);
    size_t n = std::min(size_t(count), m->size - m->offset);
    m->offset += n;
    return OPJ_OFF_T(n);
}
OPJ_BOOL opj_seek(OPJ_OFF_T position, void *user) {
    Memory *m = static_cast<Memory *>(user);
    if (size_t(position) > m->size) return OPJ_FALSE;
    m->offset = size_t(position);
    return OPJ_TRUE;
}

/// Decodes a J2K codestream into 16-bit samples.
bool decode_j2k(const uint8_t *data, size_t size, std::vector<uint16_t> &samples) {
    Memory memory{data, size, 0};
    opj_codec_t *codec = opj_create_decompress(OPJ_CODEC_J2K);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    opj_setup_decoder(codec, &parameters);
    opj_stream_t *stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    opj_stream_set_user_data(stream, &memory, nullptr);
    opj_stream_set_user_data_length(stream, size);
    opj_stream_set_read_function(stream, opj_read);
    opj_stream_set_skip_function(stream, opj_skip);
    opj_stream_set_seek_function(stream, opj_seek);
    opj_image_t *image = nullptr;
    bool ok = opj_read_header(stream, codec, &image) && opj_decode(codec, stream, image) && opj_end_decompress(codec, stream);
    if (ok) {
        size_t n = size_t(image->comps[0].w) * image->comps[0].h;
        samples.resize(n);
        for (size_t i = 0; i < n; i++) samples[i] = uint16_t(image->comps[0].data[i]);
    }
    if (image) opj_image_destroy(image);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return ok;
}

}  // namespace

extern "C" int baseline_dicom(const uint8_t *data, size_t size, float *out, size_t count) {
    register_codecs();
    try {
        DcmFileFormat format;
        DcmInputBufferStream stream;
        stream.setBuffer(data, offile_off_t(size));
        stream.setEos();
        format.transferInit();
        OFCondition status = format.read(stream, EXS_Unknown, EGL_noChange, 0xFFFFFFFFu);
        format.transferEnd();
        if (status.bad()) return -1;
        DcmDataset *dataset = format.getDataset();
        Uint16 rows = 0, columns = 0, bitsAllocated = 0, bitsStored = 0, representation = 0;
        dataset->findAndGetUint16(DCM_Rows, rows);
        dataset->findAndGetUint16(DCM_Columns, columns);
        dataset->findAndGetUint16(DCM_BitsAllocated, bitsAllocated);
        dataset->findAndGetUint16(DCM_BitsStored, bitsStored);
        dataset->findAndGetUint16(DCM_PixelRepresentation, representation);
        Float64 slope = 1, intercept = 0;
        dataset->findAndGetFloat64(DCM_RescaleSlope, slope);
        dataset->findAndGetFloat64(DCM_RescaleIntercept, intercept);
        size_t n = size_t(rows) * columns;
        if (n != count || bitsAllocated != 16) return -1;
        DcmElement *element = nullptr;
        if (dataset->findAndGetElement(DCM_PixelData, element).bad()) return -1;
        DcmPixelData *pixels = static_cast<DcmPixelData *>(element);
        std::vector<uint16_t> samples(n);
        E_TransferSyntax xfer = dataset->getOriginalXfer();
        if (xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000) {
            DcmPixelSequence *sequence = nullptr;
            E_TransferSyntax repType;
            const DcmRepresentationParameter *param = nullptr;
            pixels->getOriginalRepresentationKey(repType, param);
            if (pixels->getEncapsulatedRepresentation(repType, param, sequence).bad()) return -1;
            DcmPixelItem *fragment = nullptr;
            Uint8 *bytes = nullptr;
            if (sequence->getItem(fragment, 1).bad() || fragment->getUint8Array(bytes).bad()) return -1;
            if (!decode_j2k(bytes, fragment->getLength(), samples) || samples.size() != n) return -1;
        } else {
            Uint32 start = 0;
            OFString model;
            if (pixels->getUncompressedFrame(dataset, 0, start, samples.data(), Uint32(n * 2), model).bad()) return -1;
        }
        rescale(samples.data(), n, bitsStored, representation == 1, slope, intercept, out);
        return 0;
    } catch (...) {
        return -1;
    }
}

namespace {
struct PNGSource {
    const uint8_t *data;
    size_t size, offset;
};
void png_read(png_structp png, png_bytep out, png_size_t count) {
    PNGSource *source = static_cast<PNGSource *>(png_get_io_ptr(png));
    if (count > source->size - source->offset) png_error(png, "truncated");
    std::memcpy(out, source->data + source->offset, count);
    source->offset += count;
}
void png_fail(png_structp png, png_const_charp) { png_longjmp(png, 1); }
}  // namespace

extern "C" int baseline_png(const uint8_t *data, size_t size, float *out, size_t count) {
    PNGSource source{data, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, png_fail, nullptr);
    png_infop info = png_create_info_struct(png);
    std::vector<uint8_t> pixels;
    std::vector<png_bytep> rows;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, nullptr);
        return -1;
    }
    png_set_read_fn(png, &source, png_read);
    png_read_info(png, info);
    int depth = png_get_bit_depth(png, info);
    if (depth == 16) png_set_swap(png);
    png_read_update_info(png, info);
    size_t height = png_get_image_height(png, info), stride = png_get_rowbytes(png, info);
    pixels.resize(height * stride);
    rows.resize(height);
    for (size_t y = 0; y < height; y++) rows[y] = pixels.data() + y * stride;
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);
    png_destroy_read_struct(&png, &info, nullptr);
    size_t n = pixels.size() / (depth == 16 ? 2 : 1);
    if (n != count) return -1;
    if (depth == 16) {
        const uint16_t *src = reinterpret_cast<const uint16_t *>(pixels.data());
        for (size_t i = 0; i < n; i++) out[i] = float(src[i]);
    } else {
        for (size_t i = 0; i < n; i++) out[i] = float(pixels[i]);
    }
    return 0;
}

extern "C" int baseline_jpeg(const uint8_t *data, size_t size, float *out, size_t count) {
    thread_local tjhandle handle = tjInitDecompress();
    thread_local std::vector<uint8_t> pixels;
    int width = 0, height = 0, subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(handle, data, size, &width, &height, &subsampling, &colorspace) != 0) return -1;
    int channels = colorspace == TJCS_GRAY ? 1 : 3;
    size_t n = size_t(width) * height * channels;
    if (n != count) return -1;
    pixels.resize(n);
    if (tjDecompress2(handle, data, size, pixels.data(), width, width * channels, height,
                      channels == 1 ? TJPF_GRAY : TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) out[i] = float(pixels[i]);
    return 0;
}
