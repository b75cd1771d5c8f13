import NPZ
import TestSupport
import Testing

/// The `.npy` header parser: the spellings NumPy and Python produce are accepted, everything else is
/// refused with a reason; shapes that overflow or lie about the data size are refused before reading.
@Suite struct NPYHeaderTests {
    private func header(_ text: String, data: [UInt8], version: UInt8 = 1) throws -> NPYHeader {
        let directory = TemporaryDirectory()
        let path = try write(NPYBuilder.encode(header: text, data: data, version: version), "h.npy", in: directory)
        return try NPYFile(path: path).header
    }

    private func refusal(_ bytes: [UInt8]) throws -> NPZError.Reason? {
        let directory = TemporaryDirectory()
        let path = try write(bytes, "h.npy", in: directory)
        return reason { () throws(NPZError) in _ = try NPYFile(path: path) }
    }

    static let accepted: [(String, String, [Int], Bool)] = [
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", "<i4", [3], false),
        ("{'shape': (3,), 'fortran_order': False, 'descr': '<i4'}", "<i4", [3], false),
        ("{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (3,)}", "<i4", [3], false),
        ("{ 'descr' : '<i4' ,\n 'fortran_order' : False , 'shape' : ( 3 , ) , }", "<i4", [3], false),
        ("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 6)}", "|u1", [2, 6], true),
        ("{'descr': '<u2', 'fortran_order': False, 'shape': (2L, 3L), }", "<u2", [2, 3], false),
        ("{'descr': '>f8', 'fortran_order': False, 'shape': (), }", ">f8", [], false),
        ("{'descr': '<u1', 'fortran_order': False, 'shape': (12,), }", "|u1", [12], false),
        ("{'descr': '|b1', 'fortran_order': False, 'shape': (1, 1, 1, 12), }", "|b1", [1, 1, 1, 12], false),
    ]

    @Test(arguments: accepted)
    func acceptedSpellings(_ text: String, _ descr: String, _ shape: [Int], _ fortran: Bool) throws {
        let dtype = try #require(NPYDType(descr: descr))
        let count = shape.reduce(1, *) * dtype.size
        let parsed = try header(text, data: [UInt8](repeating: 1, count: count))
        #expect(parsed.dtype.descr == descr)
        #expect(parsed.shape == shape)
        #expect(parsed.fortranOrder == fortran)
        #expect(parsed.byteCount == count)
        #expect(parsed.dataOffset % 64 == 0)
    }

    @Test(arguments: [UInt8(1), 2, 3])
    func versionsDifferInTheLengthField(_ version: UInt8) throws {
        let parsed = try header(
            NPYBuilder.dictionary(descr: "<f4", shape: [2]), data: [0, 0, 0, 0, 0, 0, 0, 0], version: version)
        #expect(parsed.version == Int(version))
        #expect(parsed.dataOffset == 128)  // 8 + length field + 58 characters, padded to 64
    }

    static let refused: [(String, NPZError.Reason)] = [
        ("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,)}", .structuredDType),
        ("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}", .objectDType),
        ("{'descr': '<U10', 'fortran_order': False, 'shape': (3,)}", .unsupportedDType("<U10")),
        ("{'descr': '<c8', 'fortran_order': False, 'shape': (3,)}", .unsupportedDType("<c8")),
        ("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (3,)}", .unsupportedDType("<M8[ns]")),
        ("{'descr': '|f4', 'fortran_order': False, 'shape': (3,)}", .unsupportedDType("|f4")),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (-1, 3)}", .invalidShape("negative dimension at byte 51")),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (3)}", .invalidShape("(3) is not a tuple")),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': [3]}", .invalidShape("expected a tuple")),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (3, x)}", .invalidShape("expected a dimension at byte 54")),
        ("{'descr': '<i4', 'fortran_order': False}", .invalidHeader("no 'shape' key")),
        ("{'descr': '<i4', 'shape': (3,)}", .invalidHeader("no 'fortran_order' key")),
        ("{'fortran_order': False, 'shape': (3,)}", .invalidHeader("no 'descr' key")),
        (
            "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
            .invalidHeader("unexpected key 'extra'")
        ),
        (
            "{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (3,)}",
            .invalidHeader("key 'descr' appears twice")
        ),
        (
            "{'descr': '<i4', 'fortran_order': 0, 'shape': (3,)}",
            .invalidHeader("'fortran_order' must be True or False")
        ),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (3,)} junk", .invalidHeader("text after the dictionary")),
        ("['descr', '<i4']", .invalidHeader("expected '{' at byte 0")),
        ("{'descr': '<i4, 'fortran_order': False, 'shape': (3,)}", .invalidHeader("expected '}' at byte 17")),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776)}",
            .tooLarge("shape [1099511627776, 1099511627776] of <f8 overflows the byte count")
        ),
        (
            "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776)}",
            .tooLarge("shape [0, 1099511627776, 1099511627776] of <f8 overflows the byte count")
        ),
        (
            "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999,)}",
            .tooLarge("a dimension overflows Int")
        ),
        // A consistent shape whose data would be 2^40 bytes: refused by size, nothing allocated.
        (
            "{'descr': '|u1', 'fortran_order': False, 'shape': (1048576, 1048576)}",
            .dataSizeMismatch(expected: 1 << 40, actual: 12)
        ),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)}", .dataSizeMismatch(expected: 8, actual: 12)),
    ]

    @Test(arguments: refused)
    func refusedHeaders(_ text: String, _ expected: NPZError.Reason) throws {
        #expect(try refusal(NPYBuilder.encode(header: text, data: [UInt8](repeating: 0, count: 12))) == expected)
    }

    @Test func refusedPreambles() throws {
        let valid = NPYBuilder.encode(descr: "<i4", shape: [3], data: [UInt8](repeating: 0, count: 12))
        var magic = valid
        magic[1] = UInt8(ascii: "X")
        #expect(try refusal(magic) == .notNPY)
        var version = valid
        version[6] = 4
        #expect(try refusal(version) == .unsupportedVersion(major: 4, minor: 0))
        version[6] = 1
        version[7] = 1
        #expect(try refusal(version) == .unsupportedVersion(major: 1, minor: 1))
        var long = valid
        long.put(UInt16(5000), at: 8)
        #expect(try refusal(long) == .truncated("header length 5000 runs past the end of the array (140 bytes)"))
        var huge = NPYBuilder.encode(descr: "<i4", shape: [3], data: [], version: 2)
        huge.put(UInt32.max, at: 8)
        #expect(try refusal(huge) == .tooLarge("header length 4294967295 exceeds 1048576 bytes"))
        #expect(try refusal(Array(valid.prefix(5))) == .truncated("5 bytes cannot hold an .npy preamble"))
        #expect(try refusal(Array(valid.prefix(9))) == .truncated("9 bytes cannot hold an .npy preamble"))
        #expect(try refusal([]) == .truncated("0 bytes cannot hold an .npy preamble"))
        #expect(try refusal(Array(valid.dropLast())) == .dataSizeMismatch(expected: 12, actual: 11))
    }

    @Test func dtypesNameThemselvesAsNumPyDoes() {
        for kind in NPYDType.Kind.allCases {
            let order: NPYDType.ByteOrder = kind.size == 1 ? .notApplicable : .big
            let dtype = NPYDType(kind, byteOrder: order)
            #expect(NPYDType(descr: dtype.descr) == dtype)
        }
        #expect(NPYDType(descr: "<f4")?.kind == .float32)
        #expect(NPYDType(descr: "=i8")?.byteOrder == .little)
        #expect(NPYDType(descr: "f4") == nil)
        #expect(NPYDType(descr: "<f3") == nil)
    }
}
