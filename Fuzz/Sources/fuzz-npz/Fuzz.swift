import FuzzDriver
import NPZ

/// libFuzzer target for the NPZ reader: the input is written to a scratch file (the reader works on
/// paths, with `pread`) and opened both as a `.npz` archive and as a standalone `.npy` file. Every
/// array is streamed to its end, three rows at a time (so chunks, short last chunks and the end checks
/// all run), and read whole under a small limit. Errors are the expected outcome; a crash, a sanitizer
/// report, a hang, an allocation beyond libFuzzer's limit or a broken invariant (checked with
/// `precondition`) is a bug.
@main
struct Fuzz {
    static func main() {
        let archiveFile = ScratchFile(name: "input.npz")
        runFuzzer { input in
            archiveFile.write(input)
            if let archive = try? NPZArchive(path: archiveFile.path) {
                precondition(archive.arrayNames.count == archive.memberNames.count)
                for name in archive.arrayNames {
                    let header = try? archive.header(of: name)
                    check(
                        header: header, rows: try? archive.rows(of: name, rowsPerChunk: rowsPerChunk),
                        whole: Result { () throws(NPZError) in try archive.read(name, maxBytes: maxBytes) })
                }
                precondition((try? archive.header(of: "no such member \u{0}")) == nil)
            }
            if let file = try? NPYFile(path: archiveFile.path) {
                check(
                    header: file.header, rows: try? file.rows(rowsPerChunk: rowsPerChunk),
                    whole: Result { () throws(NPZError) in try file.read(maxBytes: maxBytes) })
            }
            return 0
        }
    }
}

/// Few rows per chunk, so that arrays of a handful of rows already span several chunks.
let rowsPerChunk = 3
/// The whole-array read's limit: well below libFuzzer's memory limit.
let maxBytes = 1 << 20

/// Streams `rows` to its end and checks the chunks against `header` and, when the array was read
/// whole too, against its bytes.
func check(header: NPYHeader?, rows reader: NPYRowReader?, whole: Result<NPYArray, NPZError>) {
    if let array = try? whole.get() {
        precondition(array.bytes.count == array.header.byteCount, "whole read: wrong byte count")
        precondition(header == nil || header == array.header, "whole read: another header")
    }
    guard let reader else { return }
    precondition(header == nil || header == reader.header, "row reader: another header")
    let header = reader.header
    var buffer: [UInt8] = []
    var streamed: [UInt8] = []
    var expectedRow = 0
    var complete = false
    while true {
        let rows: Range<Int>?
        do throws(NPZError) {
            rows = try reader.next(into: &buffer)
        } catch {
            // Every later call must throw the same error again.
            precondition((try? reader.next(into: &buffer)) == nil, "row reader: recovered after an error")
            break
        }
        guard let rows else {
            complete = true
            break
        }
        precondition(rows.lowerBound == expectedRow && !rows.isEmpty, "row reader: rows \(rows) after \(expectedRow)")
        precondition(rows.upperBound <= header.rowCount, "row reader: rows \(rows) past \(header.rowCount)")
        precondition(buffer.count == rows.count * header.rowByteCount, "row reader: chunk of \(buffer.count) bytes for \(rows)")
        expectedRow = rows.upperBound
        if streamed.count <= maxBytes { streamed += buffer }
    }
    guard complete else { return }
    precondition(
        expectedRow == header.rowCount || header.byteCount == 0,
        "row reader: ended at row \(expectedRow) of \(header.rowCount)")
    // A C-order array streamed whole is exactly what the whole read returns.
    if let array = try? whole.get(), !header.fortranOrder, streamed.count == header.byteCount {
        precondition(streamed == array.bytes, "row reader and whole read disagree")
    }
}
