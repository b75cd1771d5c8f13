/// Writes DICOM bytes by hand, independently of DCMTK, so that tests can build any dataset: palette and
/// lookup tables, functional groups, odd bit depths, damaged or absurd headers.
///
/// Explicit VR little endian by default (implicit on request), with or without the 128-byte preamble
/// and meta header. Sequences use undefined lengths with item delimiters, as many writers do.
public struct DICOMBuilder {
    public indirect enum Value {
        case string(String)
        case uint16([UInt16])
        case int16([Int16])
        case uint32([UInt32])
        case bytes([UInt8])
        case sequence([[Element]])
        /// Encapsulated pixel data: basic offset table then fragments.
        case fragments(offsetTable: [UInt32], [[UInt8]])
    }

    public struct Element {
        public var group: UInt16
        public var element: UInt16
        public var vr: String
        public var value: Value

        public init(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: Value) {
            self.group = group
            self.element = element
            self.vr = vr
            self.value = value
        }
    }

    public var elements: [Element] = []
    public var transferSyntaxUID = "1.2.840.10008.1.2.1"
    public var preamble = true
    public var implicitVR = false
    /// Explicit VR big endian: numbers in attributes are written big-endian; `.bytes` values (pixel
    /// data) are written as given, so the caller lays out big-endian samples.
    public var bigEndian = false {
        didSet { if bigEndian { transferSyntaxUID = "1.2.840.10008.1.2.2" } }
    }

    public init() {}

    public mutating func add(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: Value) {
        elements.append(Element(group, element, vr, value))
    }

    public mutating func set(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: Value) {
        elements.removeAll { $0.group == group && $0.element == element }
        add(group, element, vr, value)
    }

    /// A minimal image: the attributes every decoder needs, plus native pixel data.
    public static func image(
        rows: Int, columns: Int, frames: Int = 1, samples: Int = 1, bitsAllocated: Int, bitsStored: Int,
        signed: Bool = false, photometric: String = "MONOCHROME2", planar: Int = 0, pixelData: [UInt8]
    ) -> DICOMBuilder {
        var b = DICOMBuilder()
        b.add(0x0008, 0x0016, "UI", .string("1.2.840.10008.5.1.4.1.1.7"))
        b.add(0x0008, 0x0018, "UI", .string("2.25.1234"))
        b.add(0x0008, 0x0060, "CS", .string("OT"))
        b.add(0x0028, 0x0002, "US", .uint16([UInt16(samples)]))
        b.add(0x0028, 0x0004, "CS", .string(photometric))
        if samples > 1 { b.add(0x0028, 0x0006, "US", .uint16([UInt16(planar)])) }
        if frames > 1 { b.add(0x0028, 0x0008, "IS", .string(String(frames))) }
        b.add(0x0028, 0x0010, "US", .uint16([UInt16(rows)]))
        b.add(0x0028, 0x0011, "US", .uint16([UInt16(columns)]))
        b.add(0x0028, 0x0100, "US", .uint16([UInt16(bitsAllocated)]))
        b.add(0x0028, 0x0101, "US", .uint16([UInt16(bitsStored)]))
        b.add(0x0028, 0x0102, "US", .uint16([UInt16(bitsStored - 1)]))
        b.add(0x0028, 0x0103, "US", .uint16([signed ? 1 : 0]))
        b.add(0x7FE0, 0x0010, bitsAllocated > 8 ? "OW" : "OB", .bytes(pixelData))
        return b
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        if preamble {
            out += [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
            var meta: [UInt8] = []
            Self.encode(Element(0x0002, 0x0001, "OB", .bytes([0, 1])), explicit: true, big: false, into: &meta)
            Self.encode(Element(0x0002, 0x0002, "UI", .string("1.2.840.10008.5.1.4.1.1.7")), explicit: true, big: false, into: &meta)
            Self.encode(Element(0x0002, 0x0003, "UI", .string("2.25.1234")), explicit: true, big: false, into: &meta)
            Self.encode(Element(0x0002, 0x0010, "UI", .string(transferSyntaxUID)), explicit: true, big: false, into: &meta)
            Self.encode(Element(0x0002, 0x0012, "UI", .string("2.25.5678")), explicit: true, big: false, into: &meta)
            Self.encode(Element(0x0002, 0x0000, "UL", .uint32([UInt32(meta.count)])), explicit: true, big: false, into: &out)
            out += meta
        }
        for element in elements.sorted(by: { ($0.group, $0.element) < ($1.group, $1.element) }) {
            Self.encode(element, explicit: !implicitVR, big: bigEndian, into: &out)
        }
        return out
    }

    private static func payload(_ value: Value, vr: String, big: Bool) -> [UInt8] {
        if big {
            switch value {
            case .uint16(let words): return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            case .int16(let words): return words.flatMap { [UInt8(UInt16(bitPattern: $0) >> 8), UInt8(UInt16(bitPattern: $0) & 0xFF)] }
            case .uint32(let values): return values.flatMap { v in (0..<4).reversed().map { UInt8((v >> (8 * $0)) & 0xFF) } }
            default: break
            }
        }
        switch value {
        case .string(let text):
            var bytes = Array(text.utf8)
            if bytes.count % 2 == 1 { bytes.append(vr == "UI" ? 0 : 0x20) }
            return bytes
        case .uint16(let words): return words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        case .int16(let words): return words.flatMap { [UInt8(UInt16(bitPattern: $0) & 0xFF), UInt8(UInt16(bitPattern: $0) >> 8)] }
        case .uint32(let values): return values.flatMap { v in (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        case .bytes(let bytes): return bytes.count % 2 == 1 ? bytes + [0] : bytes
        case .sequence, .fragments: return []
        }
    }

    private static func encode(_ element: Element, explicit: Bool, big: Bool, into out: inout [UInt8]) {
        func u16(_ v: UInt16, into out: inout [UInt8]) { out += big ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32, into out: inout [UInt8]) {
            for i in 0..<4 { out.append(UInt8((v >> (8 * UInt32(big ? 3 - i : i))) & 0xFF)) }
        }
        u16(element.group, into: &out)
        u16(element.element, into: &out)
        let longForm = ["OB", "OW", "OF", "SQ", "UT", "UN", "OL", "OD", "OV", "UC", "UR"].contains(element.vr)
        func header(length: UInt32) {
            if explicit {
                out += Array(element.vr.utf8)
                if longForm {
                    out += [0, 0]
                    u32(length, into: &out)
                } else {
                    u16(UInt16(truncatingIfNeeded: length), into: &out)
                }
            } else {
                u32(length, into: &out)
            }
        }
        switch element.value {
        case .sequence(let items):
            header(length: 0xFFFF_FFFF)
            for item in items {
                u16(0xFFFE, into: &out); u16(0xE000, into: &out); u32(0xFFFF_FFFF, into: &out)
                for child in item.sorted(by: { ($0.group, $0.element) < ($1.group, $1.element) }) {
                    encode(child, explicit: explicit, big: big, into: &out)
                }
                u16(0xFFFE, into: &out); u16(0xE00D, into: &out); u32(0, into: &out)
            }
            u16(0xFFFE, into: &out); u16(0xE0DD, into: &out); u32(0, into: &out)
        case .fragments(let table, let fragments):
            header(length: 0xFFFF_FFFF)
            u16(0xFFFE, into: &out); u16(0xE000, into: &out); u32(UInt32(table.count * 4), into: &out)
            for offset in table { u32(offset, into: &out) }
            for fragment in fragments {
                let padded = fragment.count % 2 == 1 ? fragment + [0] : fragment
                u16(0xFFFE, into: &out); u16(0xE000, into: &out); u32(UInt32(padded.count), into: &out)
                out += padded
            }
            u16(0xFFFE, into: &out); u16(0xE0DD, into: &out); u32(0, into: &out)
        default:
            let bytes = payload(element.value, vr: element.vr, big: big)
            header(length: UInt32(bytes.count))
            out += bytes
        }
    }
}

/// Little-endian byte helpers for building pixel data.
public enum LE {
    public static func bytes(_ values: [UInt16]) -> [UInt8] { values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    public static func bytes(_ values: [Int16]) -> [UInt8] { bytes(values.map { UInt16(bitPattern: $0) }) }
    public static func bytes(_ values: [UInt32]) -> [UInt8] { values.flatMap { v in (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } } }
    public static func bytes(_ values: [Int32]) -> [UInt8] { bytes(values.map { UInt32(bitPattern: $0) }) }
}
