// A test helper run as a child process, so that its peak resident memory (VmHWM of this process,
// which starts afresh at exec) measures one operation alone, whatever the other tests in the parent
// process allocate.
//
//   memory-probe npz ARCHIVE MEMBER   stream every row of an .npz member in chunks of 16 rows
//   memory-probe npy FILE             the same for a standalone .npy file
//   memory-probe dicom FILE FRAME     decode one frame of a DICOM file
// Prints the bytes (or values) seen, how many 4 KiB pages (values) were non-zero, and the peak
// resident memory in KiB; exit status 1 with a message on failure.
import Imaging
import NPZ

#if canImport(Glibc)
import Glibc
#endif

/// Reports the failure on standard error and the peak memory on standard output ("failed PEAK"), so
/// that a test can bound the memory spent before an input is refused.
func fail(_ message: String) -> Never {
    var line = "memory-probe: \(message)\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    print("failed \(peakResidentKilobytes())")
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: memory-probe npz|npy|dicom PATH [MEMBER|FRAME]") }
var total = 0
var nonZero = 0
let count: (Range<Int>, UnsafeRawBufferPointer) -> Void = { _, bytes in
    total += bytes.count
    for offset in stride(from: 0, to: bytes.count, by: 4096) where bytes[offset] != 0 { nonZero += 1 }
}
switch arguments[1] {
case "npz":
    guard arguments.count == 4 else { fail("npz needs ARCHIVE MEMBER") }
    do {
        let archive = try NPZArchive(path: arguments[2])
        try archive.forEachChunk(of: arguments[3], rowsPerChunk: 16) { (rows, bytes) throws(Never) in count(rows, bytes) }
    } catch { fail("\(error)") }
case "npy":
    do {
        let file = try NPYFile(path: arguments[2])
        try file.forEachChunk(rowsPerChunk: 16) { (rows, bytes) throws(Never) in count(rows, bytes) }
    } catch { fail("\(error)") }
case "dicom":
    guard arguments.count == 4, let frame = Int(arguments[3]) else { fail("dicom needs FILE FRAME") }
    do {
        let reader = try ImageReader(path: arguments[2])
        let values = try reader.decodeFrame(frame)
        total = values.count
        nonZero = values.filter { $0 != 0 }.count
    } catch { fail("\(error)") }
default:
    fail("unknown mode \(arguments[1])")
}
/// VmHWM from /proc/self/status (read to its end: /proc files report size 0).
func peakResidentKilobytes() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(cString: line)
        if text.hasPrefix("VmHWM:") { return Int(text.filter(\.isNumber)) ?? -1 }
    }
    return -1
}

print("\(total) \(nonZero) \(peakResidentKilobytes())")
