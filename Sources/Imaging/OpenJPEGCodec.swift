internal import COpenJPEG

/// JPEG 2000 codestreams through OpenJPEG. All calls into the COpenJPEG shim live in this file.
enum OpenJPEGCodec {
    struct Info: Equatable {
        var width: Int
        var height: Int
        var components: Int
        var precision: Int
        var isSigned: Bool
        var uniform: Bool
    }

    static func info(_ codestream: [UInt8]) -> Result<Info, CodecFailure> {
        var error = copj_error()
        var info = copj_info()
        let status = codestream.withUnsafeBufferPointer { copj_read_info($0.baseAddress, $0.count, &info, &error) }
        guard status == 0 else { return .failure(CodecFailure(message(error))) }
        return .success(
            Info(
                width: Int(info.width), height: Int(info.height), components: Int(info.components),
                precision: Int(info.precision), isSigned: info.is_signed != 0, uniform: info.uniform != 0))
    }

    /// Decodes into `destination`: interleaved samples of `bytesPerSample` bytes, host order.
    static func decode(
        _ codestream: [UInt8], width: Int, height: Int, components: Int, bytesPerSample: Int,
        into destination: UnsafeMutableRawBufferPointer
    ) -> String? {
        var error = copj_error()
        var expected = copj_info()
        expected.width = UInt32(width)
        expected.height = UInt32(height)
        expected.components = UInt32(components)
        let status = codestream.withUnsafeBufferPointer {
            copj_decode(
                $0.baseAddress, $0.count, &expected, UInt32(bytesPerSample), destination.baseAddress,
                destination.count, &error)
        }
        return status == 0 ? nil : message(error)
    }

    /// Encodes interleaved samples (1, 2 or 4 bytes each, host order) as a J2K codestream. `ratio` nil
    /// is reversible (lossless); otherwise the irreversible 9/7 wavelet at that compression ratio.
    static func encode(
        _ samples: UnsafeRawBufferPointer, width: Int, height: Int, components: Int, precision: Int,
        isSigned: Bool, bytesPerSample: Int, ratio: Float?, multiComponentTransform: Bool
    ) -> Result<[UInt8], CodecFailure> {
        var error = copj_error()
        var buffer = copj_buffer()
        defer { copj_buffer_free(&buffer) }
        let status = copj_encode(
            samples.baseAddress, UInt32(width), UInt32(height), UInt32(components), UInt32(precision),
            isSigned ? 1 : 0, UInt32(bytesPerSample), ratio ?? 0, multiComponentTransform ? 1 : 0, &buffer, &error)
        guard status == 0, let data = buffer.data else { return .failure(CodecFailure(message(error))) }
        return .success(Array(UnsafeBufferPointer(start: data, count: buffer.size)))
    }

    private static func message(_ error: copj_error) -> String {
        withUnsafeBytes(of: error.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
