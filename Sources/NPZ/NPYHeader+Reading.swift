extension NPYHeader {
    /// Reads the preamble and header at the start of `stream` and checks that the rest of the stream
    /// holds exactly `byteCount` bytes, so that a lying shape is refused before any data is read.
    static func read(from stream: MemberStream) throws(NPZError) -> NPYHeader {
        func failure(_ reason: NPZError.Reason) -> NPZError {
            NPZError(path: stream.file.path, member: stream.member, reason)
        }
        let total = stream.declaredSize
        guard total >= UInt64(versionPrefixLength) else {
            throw failure(.truncated("\(total) bytes cannot hold an .npy preamble"))
        }
        do throws(Failure) {
            let (version, fieldSize) = try parseVersion(try stream.bytes(versionPrefixLength))
            guard total >= UInt64(versionPrefixLength + fieldSize) else {
                throw Failure(.truncated("\(total) bytes cannot hold an .npy preamble"))
            }
            let length = try parseHeaderLength(try stream.bytes(fieldSize))
            let dataOffset = versionPrefixLength + fieldSize + length
            guard UInt64(dataOffset) <= total else {
                throw Failure(.truncated("header length \(length) runs past the end of the array (\(total) bytes)"))
            }
            let header = try parse(dictionary: try stream.bytes(length), version: version, dataOffset: dataOffset)
            let actual = total - UInt64(dataOffset)
            guard actual == UInt64(header.byteCount) else {
                throw Failure(.dataSizeMismatch(expected: header.byteCount, actual: Int(clamping: actual)))
            }
            return header
        } catch {
            throw failure(error.reason)
        }
    }
}

extension MemberStream {
    /// `read(count:)` for the parsers, which throw `Failure`.
    fileprivate func bytes(_ count: Int) throws(Failure) -> [UInt8] {
        do throws(NPZError) {
            return try read(count: count)
        } catch {
            throw Failure(error.reason)
        }
    }
}
