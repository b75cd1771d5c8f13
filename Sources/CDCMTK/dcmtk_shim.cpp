// DCMTK 3.6.7 behind the plain C interface of CDCMTK.h.
//
// Every entry point is wrapped in `guarded`, which turns any C++ exception into an error return, so
// nothing thrown by DCMTK or the standard library unwinds into Swift.
#include "CDCMTK.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dcrlerp.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
// Registers colour support in DicomImage, which DCMTK's lossy JPEG encoder uses for RGB images.
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpeg/djrplol.h>
#include <dcmtk/dcmjpeg/djrploss.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <vector>

struct cdcm_file {
    DcmFileFormat format;
    E_TransferSyntax xfer = EXS_Unknown;
};

namespace {

void set_message(cdcm_error *error, const char *message) {
    if (error != nullptr) std::snprintf(error->message, CDCM_MESSAGE_CAPACITY, "%s", message);
}

void set_condition(cdcm_error *error, const char *what, const OFCondition &condition) {
    if (error == nullptr) return;
    std::snprintf(error->message, CDCM_MESSAGE_CAPACITY, "%s: %s", what, condition.text());
}

/// Runs `body`, turning exceptions into an error return.
template <typename Body> int guarded(cdcm_error *error, Body body) {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        set_message(error, "out of memory");
    } catch (const std::exception &e) {
        set_message(error, e.what());
    } catch (...) {
        set_message(error, "unexpected exception in DCMTK");
    }
    return -1;
}

DcmTagKey key_of(uint32_t tag) { return DcmTagKey(Uint16(tag >> 16), Uint16(tag & 0xFFFF)); }

/// Follows `path` from the dataset; returns the element named by the last step, or nullptr.
DcmElement *find_element(cdcm_file *file, const cdcm_path_step *path, size_t steps) {
    if (steps == 0) return nullptr;
    DcmItem *item = file->format.getDataset();
    for (size_t i = 0; i + 1 < steps; i++) {
        DcmItem *next = nullptr;
        if (path[i].item < 0) return nullptr;
        if (item->findAndGetSequenceItem(key_of(path[i].tag), next, path[i].item, OFFalse).bad() || next == nullptr) {
            return nullptr;
        }
        item = next;
    }
    DcmElement *element = nullptr;
    if (item->findAndGetElement(key_of(path[steps - 1].tag), element, OFFalse).bad()) return nullptr;
    return element;
}

DcmPixelData *pixel_data(cdcm_file *file) {
    DcmElement *element = nullptr;
    if (file->format.getDataset()->findAndGetElement(DCM_PixelData, element, OFFalse).bad()) return nullptr;
    if (element == nullptr || element->ident() != EVR_PixelData) return nullptr;
    return static_cast<DcmPixelData *>(element);
}

/// The fragments of the original encapsulated representation, or nullptr.
DcmPixelSequence *fragments_of(DcmPixelData *pixels) {
    E_TransferSyntax repType = EXS_Unknown;
    const DcmRepresentationParameter *param = nullptr;
    pixels->getOriginalRepresentationKey(repType, param);
    DcmPixelSequence *sequence = nullptr;
    if (pixels->getEncapsulatedRepresentation(repType, param, sequence).bad()) return nullptr;
    return sequence;
}

struct FrameSpan {
    Uint32 first;  // index of the first fragment (item index in the sequence; item 0 is the offset table)
    Uint32 end;    // one past the last fragment
};

bool starts_with_soc(DcmPixelItem *item) {
    Uint8 *bytes = nullptr;
    if (item->getLength() < 4 || item->getUint8Array(bytes).bad() || bytes == nullptr) return false;
    return bytes[0] == 0xFF && bytes[1] == 0x4F && bytes[2] == 0xFF && bytes[3] == 0x51;
}

/// Works out which fragments hold frame `frame`: one frame takes all fragments; as many fragments as
/// frames take one each; otherwise the basic offset table decides, or, without one, JPEG 2000 start
/// markers at fragment starts.
bool frame_span(DcmPixelSequence *sequence, uint32_t frame, uint32_t frames, FrameSpan *span, cdcm_error *error) {
    unsigned long items = sequence->card();
    if (items < 2) {
        set_message(error, "encapsulated pixel data has no fragments");
        return false;
    }
    Uint32 fragmentCount = Uint32(items - 1);
    if (frame >= frames) {
        set_message(error, "frame index out of range");
        return false;
    }
    if (frames == 1) {
        *span = {1, Uint32(items)};
        return true;
    }
    if (fragmentCount == frames) {
        *span = {frame + 1, frame + 2};
        return true;
    }
    DcmPixelItem *table = nullptr;
    if (sequence->getItem(table, 0).bad() || table == nullptr) {
        set_message(error, "encapsulated pixel data has no basic offset table item");
        return false;
    }
    std::vector<Uint32> starts;  // fragment index where each frame starts
    if (table->getLength() == frames * 4) {
        Uint8 *raw = nullptr;
        if (table->getUint8Array(raw).bad() || raw == nullptr) {
            set_message(error, "unreadable basic offset table");
            return false;
        }
        std::vector<Uint32> offsets(frames);
        for (uint32_t i = 0; i < frames; i++) {
            offsets[i] = Uint32(raw[4 * i]) | Uint32(raw[4 * i + 1]) << 8 | Uint32(raw[4 * i + 2]) << 16 |
                         Uint32(raw[4 * i + 3]) << 24;
        }
        // Map byte offsets (from the first fragment's item tag) to fragment indices.
        Uint64 position = 0;
        uint32_t next = 0;
        for (Uint32 index = 1; index < items && next < frames; index++) {
            DcmPixelItem *fragment = nullptr;
            if (sequence->getItem(fragment, index).bad() || fragment == nullptr) break;
            while (next < frames && offsets[next] == position) {
                starts.push_back(index);
                next++;
            }
            position += 8 + fragment->getLength();
        }
    } else if (table->getLength() == 0) {
        for (Uint32 index = 1; index < items; index++) {
            DcmPixelItem *fragment = nullptr;
            if (sequence->getItem(fragment, index).bad() || fragment == nullptr) break;
            if (starts_with_soc(fragment)) starts.push_back(index);
        }
    }
    if (starts.size() != frames) {
        set_message(error, "cannot tell which fragments belong to which frame (offset table missing or inconsistent)");
        return false;
    }
    *span = {starts[frame], frame + 1 < frames ? starts[frame + 1] : Uint32(items)};
    return true;
}

/// The fragments of frame `frame` of the file's encapsulated pixel data.
bool locate_frame(cdcm_file *file, uint32_t frame, uint32_t frames, DcmPixelSequence **sequence, FrameSpan *span,
                  cdcm_error *error) {
    DcmPixelData *pixels = pixel_data(file);
    *sequence = pixels ? fragments_of(pixels) : nullptr;
    if (*sequence == nullptr) {
        set_message(error, "no encapsulated pixel data");
        return false;
    }
    return frame_span(*sequence, frame, frames, span, error);
}

/// Calls `body` with each fragment of `span`; stops and returns false when a fragment is missing or
/// `body` returns false.
template <typename Body>
bool for_each_fragment(DcmPixelSequence *sequence, const FrameSpan &span, cdcm_error *error, Body body) {
    for (Uint32 index = span.first; index < span.end; index++) {
        DcmPixelItem *fragment = nullptr;
        if (sequence->getItem(fragment, index).bad() || fragment == nullptr) {
            set_message(error, "missing fragment");
            return false;
        }
        if (!body(fragment)) return false;
    }
    return true;
}

struct ImageAttributes {
    Uint16 rows = 0, columns = 0, samples = 1, bitsAllocated = 0;
};

bool read_attributes(DcmDataset *dataset, ImageAttributes *image, cdcm_error *error) {
    if (dataset->findAndGetUint16(DCM_Rows, image->rows).bad() ||
        dataset->findAndGetUint16(DCM_Columns, image->columns).bad() ||
        dataset->findAndGetUint16(DCM_BitsAllocated, image->bitsAllocated).bad()) {
        set_message(error, "missing Rows, Columns or BitsAllocated");
        return false;
    }
    if (dataset->findAndGetUint16(DCM_SamplesPerPixel, image->samples).bad()) image->samples = 1;
    return true;
}

Uint16 big16(const Uint8 *p) { return Uint16(p[0] << 8 | p[1]); }

/// Finds the start-of-frame marker of a JPEG or JPEG-LS bitstream (SOF0–SOF15 except DHT, JPG and
/// DAC, and SOF55) and reads precision, height, width and component count from it.
bool jpeg_frame_header(const Uint8 *data, Uint32 length, int *precision, int *height, int *width, int *components) {
    if (length < 4 || data[0] != 0xFF || data[1] != 0xD8) return false;
    Uint32 i = 2;
    while (i + 4 <= length) {
        if (data[i] != 0xFF) return false;
        Uint8 marker = data[i + 1];
        if (marker == 0xFF) {
            i++;
            continue;
        }
        Uint32 segment = big16(data + i + 2);
        bool sof = (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) ||
                   marker == 0xF7;
        if (sof) {
            if (i + 10 > length) return false;
            *precision = data[i + 4];
            *height = big16(data + i + 5);
            *width = big16(data + i + 7);
            *components = data[i + 9];
            return true;
        }
        if (marker == 0xDA || marker == 0xD9) return false;
        i += 2 + segment;
    }
    return false;
}

/// Checks a compressed frame against the header before a DCMTK codec sees it. DCMTK 3.6.7's RLE decoder
/// trusts segment offsets and allocates from Rows × Columns, and its JPEG decoder does not compare the
/// bitstream's size with the header; both are refused here instead.
bool check_bitstream(E_TransferSyntax xfer, const ImageAttributes &image, const Uint8 *data, Uint32 length,
                     const FrameSpan &span, cdcm_error *error) {
    char text[CDCM_MESSAGE_CAPACITY];
    if (xfer == EXS_RLELossless) {
        if (span.end - span.first != 1) {
            set_message(error, "RLE frame spans several fragments");
            return false;
        }
        if (image.bitsAllocated < 8 || length < 64) {
            set_message(error, "RLE fragment shorter than its 64-byte header");
            return false;
        }
        Uint32 header[16];
        for (int k = 0; k < 16; k++) {
            header[k] = Uint32(data[4 * k]) | Uint32(data[4 * k + 1]) << 8 | Uint32(data[4 * k + 2]) << 16 |
                        Uint32(data[4 * k + 3]) << 24;
        }
        Uint32 segments = header[0];
        Uint32 expected = Uint32(image.samples) * (image.bitsAllocated / 8);
        if (segments != expected || segments > 15) {
            std::snprintf(text, sizeof text, "RLE frame has %u segments, the header implies %u", segments, expected);
            set_message(error, text);
            return false;
        }
        for (Uint32 k = 1; k <= segments; k++) {
            Uint32 end = k < segments ? header[k + 1] : length;
            if (header[k] < 64 || header[k] >= length || end <= header[k] || end > length) {
                set_message(error, "RLE segment offset outside the fragment");
                return false;
            }
            // A PackBits run of 2 bytes yields at most 128: each segment must be long enough for Rows × Columns.
            if (Uint64(image.rows) * image.columns > 64ull * (end - header[k]) + 128) {
                set_message(error, "RLE segment too short for Rows × Columns");
                return false;
            }
        }
        return true;
    }
    if (xfer == EXS_JPEGProcess1 || xfer == EXS_JPEGProcess2_4 || xfer == EXS_JPEGProcess14 ||
        xfer == EXS_JPEGProcess14SV1 || xfer == EXS_JPEGLSLossless || xfer == EXS_JPEGLSLossy) {
        int precision = 0, height = 0, width = 0, components = 0;
        if (!jpeg_frame_header(data, length, &precision, &height, &width, &components)) {
            set_message(error, "no JPEG start-of-frame marker in the frame's first fragment");
            return false;
        }
        if (height != image.rows || width != image.columns || components != image.samples) {
            std::snprintf(text, sizeof text, "JPEG frame is %dx%d with %d components, header says %ux%u with %u",
                          width, height, components, image.columns, image.rows, image.samples);
            set_message(error, text);
            return false;
        }
        if ((precision > 8 ? 16 : 8) != image.bitsAllocated) {
            std::snprintf(text, sizeof text, "JPEG precision %d does not fit BitsAllocated %u", precision,
                          image.bitsAllocated);
            set_message(error, text);
            return false;
        }
        return true;
    }
    set_message(error, "transfer syntax has no DCMTK codec");
    return false;
}

}  // namespace

extern "C" {

void cdcm_initialize(void) {
    static std::once_flag once;
    std::call_once(once, [] {
        try {
            OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
            dcmAcceptUnexpectedImplicitEncoding.set(OFTrue);
            // A known attribute stored with VR UN (anonymisers and old archives write them) is read with its
            // dictionary VR, as PS3.5 says a reader that knows the tag should: Rescale Slope as UN was raw
            // bytes, "not a number".
            dcmEnableUnknownVRConversion.set(OFTrue);
            // Some writers label an implicit-VR body as explicit in the meta header.
            dcmAutoDetectDatasetXfer.set(OFTrue);
            // Colour JPEG frames come out as RGB, pixel-interleaved; UIDs are never rewritten on decode.
            DJDecoderRegistration::registerCodecs(EDC_photometricInterpretation, EUC_never, EPC_colorByPixel);
            DJLSDecoderRegistration::registerCodecs(EJLSUC_never, EJLSPC_colorByPixel);
            DcmRLEDecoderRegistration::registerCodecs(OFFalse, OFFalse);
            // Encoders never invent UIDs, so that the same input always gives the same file.
            DJEncoderRegistration::registerCodecs(ECC_lossyYCbCr, EUC_never);
            // Raw (not "cooked") JPEG-LS encoding keeps stored values bit for bit, signed ones included.
            DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, OFFalse, 0, OFTrue, EJLSUC_never);
            DcmRLEEncoderRegistration::registerCodecs();
        } catch (...) {
        }
    });
}

int cdcm_open_path(const char *path, cdcm_file **file, cdcm_error *error) {
    cdcm_initialize();
    *file = nullptr;
    return guarded(error, [&] {
        cdcm_file *opened = new cdcm_file();
        OFCondition status = opened->format.loadFile(path, EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
        if (status.bad()) {
            set_condition(error, "DICOM parse failed", status);
            delete opened;
            return -1;
        }
        opened->xfer = opened->format.getDataset()->getOriginalXfer();
        *file = opened;
        return 0;
    });
}

int cdcm_open_memory(const uint8_t *data, size_t size, cdcm_file **file, cdcm_error *error) {
    cdcm_initialize();
    *file = nullptr;
    return guarded(error, [&] {
        if (size > 0xFFFFFFF0u) {
            set_message(error, "file too large to parse from memory");
            return -1;
        }
        cdcm_file *opened = new cdcm_file();
        DcmInputBufferStream stream;
        stream.setBuffer(data, offile_off_t(size));
        stream.setEos();
        opened->format.transferInit();
        OFCondition status = opened->format.read(stream, EXS_Unknown, EGL_noChange, 0xFFFFFFFFu);
        opened->format.transferEnd();
        if (status.bad()) {
            set_condition(error, "DICOM parse failed", status);
            delete opened;
            return -1;
        }
        // A buffer stream cannot be re-read: make sure no value was left behind for lazy loading.
        status = opened->format.loadAllDataIntoMemory();
        if (status.bad()) {
            set_condition(error, "DICOM parse failed", status);
            delete opened;
            return -1;
        }
        opened->xfer = opened->format.getDataset()->getOriginalXfer();
        *file = opened;
        return 0;
    });
}

void cdcm_close(cdcm_file *file) {
    try {
        delete file;
    } catch (...) {
    }
}

int cdcm_transfer_syntax(const cdcm_file *file, char *uid, size_t capacity, cdcm_error *error) {
    return guarded(error, [&] {
        DcmXfer xfer(file->xfer);
        const char *text = file->xfer == EXS_Unknown ? "" : xfer.getXferID();
        std::snprintf(uid, capacity, "%s", text);
        return 0;
    });
}

int cdcm_read_header(cdcm_file *file, cdcm_header *header, cdcm_error *error) {
    return guarded(error, [&] {
        std::memset(header, 0, sizeof *header);
        DcmDataset *dataset = file->format.getDataset();
        auto present = [&](const DcmTagKey &key) {
            DcmElement *element = nullptr;
            return dataset->findAndGetElement(key, element, OFFalse).good() && element != nullptr &&
                   element->getLength() > 0;
        };
        auto u16 = [&](const DcmTagKey &key, uint32_t bit, uint16_t *value) {
            if (!present(key)) return;
            header->present |= bit;
            Uint16 v = 0;
            if (dataset->findAndGetUint16(key, v).good()) *value = v;
            else header->invalid |= bit;
        };
        auto f64 = [&](const DcmTagKey &key, uint32_t bit, double *values, unsigned long count) {
            if (!present(key)) return;
            header->present |= bit;
            for (unsigned long i = 0; i < count; i++) {
                Float64 v = 0;
                if (dataset->findAndGetFloat64(key, v, i).bad()) {
                    header->invalid |= bit;
                    return;
                }
                values[i] = v;
            }
        };
        auto text = [&](const DcmTagKey &key, char *value) {
            OFString string;
            if (dataset->findAndGetOFStringArray(key, string).good()) {
                std::snprintf(value, CDCM_TEXT_CAPACITY, "%s", string.c_str());
            }
        };
        auto items = [&](const DcmTagKey &key) -> uint32_t {
            DcmSequenceOfItems *sequence = nullptr;
            if (dataset->findAndGetSequence(key, sequence, OFFalse).bad() || sequence == nullptr) return 0;
            return uint32_t(sequence->card());
        };
        u16(DCM_Rows, CDCM_ROWS, &header->rows);
        u16(DCM_Columns, CDCM_COLUMNS, &header->columns);
        u16(DCM_SamplesPerPixel, CDCM_SAMPLES, &header->samples_per_pixel);
        u16(DCM_BitsAllocated, CDCM_BITS_ALLOCATED, &header->bits_allocated);
        u16(DCM_BitsStored, CDCM_BITS_STORED, &header->bits_stored);
        u16(DCM_PixelRepresentation, CDCM_REPRESENTATION, &header->pixel_representation);
        u16(DCM_PlanarConfiguration, CDCM_PLANAR, &header->planar_configuration);
        if (present(DCM_NumberOfFrames)) {
            header->present |= CDCM_FRAMES;
            Sint32 frames = 0;
            if (dataset->findAndGetSint32(DCM_NumberOfFrames, frames).good()) header->frames = frames;
            else header->invalid |= CDCM_FRAMES;
        }
        f64(DCM_RescaleSlope, CDCM_SLOPE, &header->rescale_slope, 1);
        f64(DCM_RescaleIntercept, CDCM_INTERCEPT, &header->rescale_intercept, 1);
        DcmElement *spacing = nullptr;
        if (dataset->findAndGetElement(DCM_PixelSpacing, spacing, OFFalse).good() && spacing->getVM() >= 2) {
            f64(DCM_PixelSpacing, CDCM_SPACING, header->pixel_spacing, 2);
        }
        DcmElement *centers = nullptr, *widths = nullptr;
        if (dataset->findAndGetElement(DCM_WindowCenter, centers, OFFalse).good() &&
            dataset->findAndGetElement(DCM_WindowWidth, widths, OFFalse).good()) {
            unsigned long count = std::min(std::min(centers->getVM(), widths->getVM()), (unsigned long)CDCM_MAX_WINDOWS);
            f64(DCM_WindowCenter, CDCM_WINDOWS, header->window_center, count);
            f64(DCM_WindowWidth, CDCM_WINDOWS, header->window_width, count);
            header->window_count = uint32_t(count);
        }
        text(DCM_PhotometricInterpretation, header->photometric);
        text(DCM_VOILUTFunction, header->voi_function);
        text(DCM_Modality, header->modality);
        text(DCM_Manufacturer, header->manufacturer);
        text(DCM_InstitutionName, header->institution);
        text(DCM_BodyPartExamined, header->body_part);
        text(DCM_PatientID, header->patient_id);
        text(DCM_StudyInstanceUID, header->study_uid);
        text(DCM_SeriesInstanceUID, header->series_uid);
        text(DCM_SOPInstanceUID, header->sop_uid);
        header->modality_lut_items = items(DCM_ModalityLUTSequence);
        header->shared_groups = items(DCM_SharedFunctionalGroupsSequence);
        header->per_frame_groups = items(DCM_PerFrameFunctionalGroupsSequence);
        return 0;
    });
}

int cdcm_get_string(cdcm_file *file, const cdcm_path_step *path, size_t steps, char *value, size_t capacity,
                    size_t *length, cdcm_error *error) {
    return guarded(error, [&] {
        *length = 0;
        DcmElement *element = find_element(file, path, steps);
        if (element == nullptr || element->getLength() == 0) return 0;
        OFString text;
        OFCondition status = element->getOFStringArray(text, OFTrue);
        if (status.bad()) {
            set_condition(error, "unreadable attribute", status);
            return -1;
        }
        *length = text.length();
        if (capacity > 0) std::snprintf(value, capacity, "%s", text.c_str());
        return text.empty() ? 0 : 1;
    });
}

int cdcm_get_words(cdcm_file *file, const cdcm_path_step *path, size_t steps, uint16_t *words, size_t capacity,
                   size_t *count, cdcm_error *error) {
    return guarded(error, [&] {
        *count = 0;
        DcmElement *element = find_element(file, path, steps);
        if (element == nullptr || element->getLength() == 0) return 0;
        size_t n = element->getLength() / 2;
        const void *source = nullptr;
        OFCondition status;
        if (element->getVR() == EVR_SS) {
            Sint16 *values = nullptr;
            status = element->getSint16Array(values);
            source = values;
        } else {
            Uint16 *values = nullptr;
            status = element->getUint16Array(values);
            source = values;
        }
        if (status.bad() || source == nullptr) {
            set_condition(error, "attribute does not hold 16-bit values", status);
            return -1;
        }
        *count = n;
        std::memcpy(words, source, sizeof(uint16_t) * (n < capacity ? n : capacity));
        return 1;
    });
}

int cdcm_pixel_info_get(cdcm_file *file, cdcm_pixel_info *info, cdcm_error *error) {
    return guarded(error, [&] {
        std::memset(info, 0, sizeof *info);
        info->big_endian = DcmXfer(file->xfer).isBigEndian() ? 1 : 0;
        DcmPixelData *pixels = pixel_data(file);
        if (pixels == nullptr) return 0;
        info->present = 1;
        if (DcmXfer(file->xfer).isEncapsulated()) {
            info->encapsulated = 1;
            DcmPixelSequence *sequence = fragments_of(pixels);
            if (sequence == nullptr) {
                set_message(error, "encapsulated transfer syntax but pixel data is not encapsulated");
                return -1;
            }
            info->fragments = sequence->card() > 0 ? Uint32(sequence->card() - 1) : 0;
        } else {
            info->length = pixels->getLength();
            info->word_vr = pixels->getVR() == EVR_OW ? 1 : 0;
            if (pixels->getLengthField() == DCM_UndefinedLength) {
                set_message(error, "native pixel data with undefined length");
                return -1;
            }
        }
        return 0;
    });
}

int cdcm_read_native(cdcm_file *file, uint64_t offset, uint64_t count, void *destination, cdcm_error *error) {
    return guarded(error, [&] {
        DcmPixelData *pixels = pixel_data(file);
        if (pixels == nullptr) {
            set_message(error, "no pixel data");
            return -1;
        }
        Uint64 length = pixels->getLength();
        if (offset > length || count > length - offset || count > 0xFFFFFFFFu) {
            set_message(error, "pixel data is shorter than the image size requires");
            return -1;
        }
        OFCondition status =
            pixels->getPartialValue(destination, Uint32(offset), Uint32(count), nullptr, EBO_LittleEndian);
        if (status.bad()) {
            set_condition(error, "reading pixel data failed", status);
            return -1;
        }
        return 0;
    });
}

int cdcm_decode_frame(cdcm_file *file, uint32_t frame, uint32_t frames, void *destination, size_t size,
                      char *color_model, size_t color_model_capacity, uint16_t *planar_configuration,
                      cdcm_error *error) {
    return guarded(error, [&] {
        DcmPixelSequence *sequence = nullptr;
        FrameSpan span;
        if (!locate_frame(file, frame, frames, &sequence, &span, error)) return -1;
        DcmPixelData *pixels = pixel_data(file);
        DcmDataset *dataset = file->format.getDataset();
        ImageAttributes image;
        if (!read_attributes(dataset, &image, error)) return -1;
        // DCMTK sizes frames in 32 bits; a header whose size wraps would make it overrun the buffer.
        Uint32 dcmtkSize = 0;
        OFCondition status = pixels->getUncompressedFrameSize(dataset, dcmtkSize);
        if (status.bad() || Uint64(dcmtkSize) != Uint64(size) || size > 0xFFFFFFF0u) {
            set_message(error, "frame size from the header does not match the decoded layout");
            return -1;
        }
        DcmPixelItem *first = nullptr;
        Uint8 *bytes = nullptr;
        if (sequence->getItem(first, span.first).bad() || first == nullptr || first->getUint8Array(bytes).bad() ||
            bytes == nullptr) {
            set_message(error, "unreadable first fragment of the frame");
            return -1;
        }
        if (!check_bitstream(file->xfer, image, bytes, first->getLength(), span, error)) return -1;
        // RLE colour output follows PlanarConfiguration, which DCMTK requires to be present.
        if (image.samples > 1 && !dataset->tagExists(DCM_PlanarConfiguration)) {
            dataset->putAndInsertUint16(DCM_PlanarConfiguration, 0);
        }
        // Decode from the fragment that was just checked, whatever order frames are asked in.
        Uint32 start = span.first;
        OFString model;
        Uint32 bufferSize = Uint32(size + (size & 1));
        status = pixels->getUncompressedFrame(dataset, frame, start, destination, bufferSize, model, nullptr);
        if (status.bad()) {
            set_condition(error, "decompression failed", status);
            return -1;
        }
        std::snprintf(color_model, color_model_capacity, "%s", model.c_str());
        Uint16 planar = 0;
        if (dataset->findAndGetUint16(DCM_PlanarConfiguration, planar).bad()) planar = 0;
        *planar_configuration = planar;
        return 0;
    });
}

int cdcm_encapsulated_frame_size(cdcm_file *file, uint32_t frame, uint32_t frames, uint64_t *size,
                                 cdcm_error *error) {
    return guarded(error, [&] {
        DcmPixelSequence *sequence = nullptr;
        FrameSpan span;
        if (!locate_frame(file, frame, frames, &sequence, &span, error)) return -1;
        Uint64 total = 0;
        bool ok = for_each_fragment(sequence, span, error, [&](DcmPixelItem *fragment) {
            total += fragment->getLength();
            return true;
        });
        *size = total;
        return ok ? 0 : -1;
    });
}

int cdcm_copy_encapsulated_frame(cdcm_file *file, uint32_t frame, uint32_t frames, void *destination, size_t size,
                                 cdcm_error *error) {
    return guarded(error, [&] {
        DcmPixelSequence *sequence = nullptr;
        FrameSpan span;
        if (!locate_frame(file, frame, frames, &sequence, &span, error)) return -1;
        size_t written = 0;
        bool ok = for_each_fragment(sequence, span, error, [&](DcmPixelItem *fragment) {
            size_t length = fragment->getLength();
            Uint8 *bytes = nullptr;
            if (length == 0) return true;
            if (fragment->getUint8Array(bytes).bad() || bytes == nullptr || length > size - written) {
                set_message(error, "unreadable fragment");
                return false;
            }
            std::memcpy(static_cast<Uint8 *>(destination) + written, bytes, length);
            written += length;
            return true;
        });
        if (ok && written != size) {
            set_message(error, "fragments changed size while copying");
            return -1;
        }
        return ok ? 0 : -1;
    });
}

// MARK: - Writing

namespace {

bool put_attributes(DcmDataset *dataset, const cdcm_attribute *attributes, size_t count, cdcm_error *error) {
    for (size_t i = 0; i < count; i++) {
        OFCondition status;
        if (attributes[i].words != nullptr) {
            DcmTag tag(key_of(attributes[i].tag));
            if (tag.getEVR() == EVR_xs || tag.getEVR() == EVR_SS) tag.setVR(EVR_US);
            if (tag.getEVR() == EVR_lt || tag.getEVR() == EVR_ox) tag.setVR(EVR_OW);
            DcmElement *element = nullptr;
            status = DcmItem::newDicomElementWithVR(element, tag);
            if (status.good()) status = element->putUint16Array(attributes[i].words, Uint32(attributes[i].word_count));
            if (status.good()) status = dataset->insert(element, OFTrue);
            else delete element;
        } else {
            status = dataset->putAndInsertString(key_of(attributes[i].tag), attributes[i].value);
        }
        if (status.bad()) {
            char text[CDCM_MESSAGE_CAPACITY];
            std::snprintf(text, sizeof text, "cannot write attribute (%04X,%04X)", attributes[i].tag >> 16,
                          attributes[i].tag & 0xFFFF);
            set_condition(error, text, status);
            return false;
        }
    }
    return true;
}

}  // namespace

int cdcm_write(const char *path, const cdcm_attribute *attributes, size_t count, const void *pixels,
               size_t pixel_bytes, uint16_t bits_allocated, const char *transfer_syntax_uid,
               cdcm_compression compression, cdcm_error *error) {
    cdcm_initialize();
    return guarded(error, [&] {
        DcmXfer target(transfer_syntax_uid);
        if (target.getXfer() == EXS_Unknown) {
            set_message(error, "unknown transfer syntax");
            return -1;
        }
        if (pixel_bytes > 0xFFFFFFF0u) {
            set_message(error, "pixel data too large");
            return -1;
        }
        DcmFileFormat format;
        DcmDataset *dataset = format.getDataset();
        if (!put_attributes(dataset, attributes, count, error)) return -1;
        OFCondition status;
        if (bits_allocated > 8) {
            if (pixel_bytes % 2 != 0) {
                set_message(error, "16-bit pixel data must have an even length");
                return -1;
            }
            status = dataset->putAndInsertUint16Array(DCM_PixelData, static_cast<const Uint16 *>(pixels),
                                                      Uint32(pixel_bytes / 2));
        } else {
            status = dataset->putAndInsertUint8Array(DCM_PixelData, static_cast<const Uint8 *>(pixels),
                                                     Uint32(pixel_bytes));
        }
        if (status.bad()) {
            set_condition(error, "cannot store pixel data", status);
            return -1;
        }
        DJ_RPLossless lossless(compression.parameter > 0 ? compression.parameter : 1, 0);
        DJ_RPLossy lossy(compression.parameter > 0 ? compression.parameter : 90);
        DJLSRepresentationParameter jpegls(Uint16(compression.parameter), compression.parameter == 0);
        DcmRLERepresentationParameter rle;
        const DcmRepresentationParameter *parameter = nullptr;
        switch (compression.kind) {
        case 0: break;
        case 1: parameter = &lossless; break;
        case 2: parameter = &lossy; break;
        case 3: parameter = &jpegls; break;
        case 4: parameter = &rle; break;
        default: set_message(error, "unknown compression kind"); return -1;
        }
        if (compression.kind != 0) {
            status = dataset->chooseRepresentation(target.getXfer(), parameter);
            if (status.bad() || !dataset->canWriteXfer(target.getXfer())) {
                set_condition(error, "compression failed", status.bad() ? status : EC_CannotChangeRepresentation);
                return -1;
            }
        }
        status = format.saveFile(path, target.getXfer());
        if (status.bad()) {
            set_condition(error, "cannot write file", status);
            return -1;
        }
        return 0;
    });
}

int cdcm_write_encapsulated(const char *path, const cdcm_attribute *attributes, size_t count,
                            const uint8_t *const *frames, const size_t *frame_sizes, size_t frame_count,
                            const char *transfer_syntax_uid, cdcm_error *error) {
    cdcm_initialize();
    return guarded(error, [&] {
        DcmXfer target(transfer_syntax_uid);
        if (target.getXfer() == EXS_Unknown || !target.isEncapsulated()) {
            set_message(error, "not an encapsulated transfer syntax");
            return -1;
        }
        DcmFileFormat format;
        DcmDataset *dataset = format.getDataset();
        if (!put_attributes(dataset, attributes, count, error)) return -1;
        DcmPixelSequence *sequence = new DcmPixelSequence(DCM_PixelSequenceTag);
        std::vector<Uint8> table(4 * frame_count);
        Uint32 offset = 0;
        for (size_t i = 0; i < frame_count; i++) {
            table[4 * i] = Uint8(offset);
            table[4 * i + 1] = Uint8(offset >> 8);
            table[4 * i + 2] = Uint8(offset >> 16);
            table[4 * i + 3] = Uint8(offset >> 24);
            offset += Uint32(8 + frame_sizes[i] + (frame_sizes[i] & 1));
        }
        DcmPixelItem *tableItem = new DcmPixelItem(DCM_PixelItemTag);
        if (frame_count > 1) tableItem->putUint8Array(table.data(), Uint32(table.size()));
        sequence->insert(tableItem);
        for (size_t i = 0; i < frame_count; i++) {
            DcmPixelItem *fragment = new DcmPixelItem(DCM_PixelItemTag);
            std::vector<Uint8> bytes(frames[i], frames[i] + frame_sizes[i]);
            if (bytes.size() & 1) bytes.push_back(0);
            fragment->putUint8Array(bytes.data(), Uint32(bytes.size()));
            sequence->insert(fragment);
        }
        DcmPixelData *pixelData = new DcmPixelData(DCM_PixelData);
        pixelData->putOriginalRepresentation(target.getXfer(), nullptr, sequence);
        OFCondition status = dataset->insert(pixelData, OFTrue);
        if (status.bad()) {
            delete pixelData;
            set_condition(error, "cannot store pixel data", status);
            return -1;
        }
        status = format.saveFile(path, target.getXfer());
        if (status.bad()) {
            set_condition(error, "cannot write file", status);
            return -1;
        }
        return 0;
    });
}

}  // extern "C"
