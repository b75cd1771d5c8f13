/// Why an image could not be read or written, and which file it concerns.
///
/// Every failure of the Imaging module is an `ImagingError`: C library codes and messages are mapped
/// to a `Reason` in one place per library, and the path is attached where the file is known.
public struct ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The file could not be opened, read or written (the operating system's message).
        case io(String)
        /// The content is none of the formats MedSilo reads.
        case unknownFormat
        /// A DICOM transfer syntax MedSilo cannot decode (HTJ2K, JPEG XL, video, private ones).
        case unsupportedTransferSyntax(uid: String, name: String?)
        /// A pixel layout MedSilo does not decode (photometric interpretation, bit depth, CMYK JPEG…).
        case unsupported(String)
        /// A header attribute is missing or impossible.
        case invalidHeader(String)
        /// The header asks for more memory than the decode limits allow.
        case tooLarge(String)
        /// The compressed or stored pixel data is damaged or shorter than the header says.
        case corruptData(String)
        /// A frame index beyond the number of frames.
        case frameOutOfRange(index: Int, frames: Int)
        /// A request that cannot be met with this image (for example a window on a colour image).
        case invalidRequest(String)
    }

    /// The file concerned, or a name given to an in-memory buffer.
    public var path: String
    public var reason: Reason

    public init(path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        "\(path): \(reason)"
    }
}

extension ImagingError.Reason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .io(let message): return message
        case .unknownFormat: return "not a DICOM, PNG or JPEG file"
        case .unsupportedTransferSyntax(let uid, let name):
            if let name { return "unsupported transfer syntax \(uid) (\(name))" }
            return "unsupported transfer syntax \(uid)"
        case .unsupported(let message): return "unsupported: \(message)"
        case .invalidHeader(let message): return "invalid header: \(message)"
        case .tooLarge(let message): return "too large: \(message)"
        case .corruptData(let message): return "corrupt pixel data: \(message)"
        case .frameOutOfRange(let index, let frames): return "frame \(index) out of range (the image has \(frames))"
        case .invalidRequest(let message): return message
        }
    }
}

/// A message from a C library, before it is given a file and a `Reason`.
struct CodecFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
