import ArgumentParser
import Dispatch
import Imaging

/// `medsilo inspect`: one record per file, decoded in full so that pixel statistics are real.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read image files (DICOM, PNG, JPEG) and report their header and pixel statistics.",
        discussion: """
            Files are recognised by content, not by extension. Every file is decoded completely; min, max \
            and mean are over all frames and samples, after the DICOM modality transform. Exit status is 0 \
            when every file decoded and 1 when any failed (all files are still reported). No patient \
            identifier is printed.
            """
    )

    @Argument(help: "Files or directories.")
    var paths: [String]

    @Flag(name: .shortAndLong, help: "Descend into sub-directories.")
    var recursive = false

    @Flag(help: "Print JSON Lines, one object per file.")
    var json = false

    func run() throws {
        var files: [String] = []
        var listingFailed = false
        for path in paths {
            if FileIO.isDirectory(path) {
                do {
                    files += try FileIO.listFiles(in: path, recursive: recursive)
                } catch {
                    Output.error(error.description)
                    listingFailed = true
                }
            } else {
                files.append(path)
            }
        }
        var failures = 0
        // Decode in batches on all cores; print in input order.
        let batchSize = 64
        for start in stride(from: 0, to: files.count, by: batchSize) {
            let batch = Array(files[start..<min(start + batchSize, files.count)])
            let records = inspectConcurrently(batch)
            for record in records {
                if record.error != nil { failures += 1 }
                print(json ? Output.jsonLine(record) : record.text)
            }
        }
        if files.isEmpty && !listingFailed { Output.error("no files to inspect") }
        if failures > 0 || listingFailed || files.isEmpty { throw ExitCode(1) }
    }

    private func inspectConcurrently(_ files: [String]) -> [InspectRecord] {
        let results = UnsafeMutableBufferPointer<InspectRecord?>.allocate(capacity: files.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let slots = SendableBuffer(results)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            slots.buffer[index] = InspectRecord.inspect(files[index])
        }
        return results.map { $0! }
    }
}

/// A buffer written at distinct indices by concurrent iterations.
struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// What `inspect` prints for one file.
struct InspectRecord: Encodable {
    var path: String
    var format: String?
    var rows: Int?
    var columns: Int?
    var frames: Int?
    var samplesPerPixel: Int?
    var bitsAllocated: Int?
    var bitsStored: Int?
    var signed: Bool?
    var photometricInterpretation: String?
    var decodedSamplesPerPixel: Int?
    var decodedPhotometricInterpretation: String?
    var transferSyntaxUID: String?
    var transferSyntax: String?
    var modality: String?
    var manufacturer: String?
    var institutionName: String?
    var bodyPartExamined: String?
    var pixelSpacing: [Double]?
    var windowCenter: Double?
    var windowWidth: Double?
    var min: Double?
    var max: Double?
    var mean: Double?
    var error: String?

    /// Absent values are left out, except that every DICOM record carries `transferSyntaxUID` and
    /// `modality` (null when the file has no Modality), so scripts can rely on the keys.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(rows, forKey: .rows)
        try c.encodeIfPresent(columns, forKey: .columns)
        try c.encodeIfPresent(frames, forKey: .frames)
        try c.encodeIfPresent(samplesPerPixel, forKey: .samplesPerPixel)
        try c.encodeIfPresent(bitsAllocated, forKey: .bitsAllocated)
        try c.encodeIfPresent(bitsStored, forKey: .bitsStored)
        try c.encodeIfPresent(signed, forKey: .signed)
        try c.encodeIfPresent(photometricInterpretation, forKey: .photometricInterpretation)
        try c.encodeIfPresent(decodedSamplesPerPixel, forKey: .decodedSamplesPerPixel)
        try c.encodeIfPresent(decodedPhotometricInterpretation, forKey: .decodedPhotometricInterpretation)
        if format == ImageFormat.dicom.rawValue {
            try c.encode(transferSyntaxUID, forKey: .transferSyntaxUID)
            try c.encode(modality, forKey: .modality)
        }
        try c.encodeIfPresent(transferSyntax, forKey: .transferSyntax)
        try c.encodeIfPresent(manufacturer, forKey: .manufacturer)
        try c.encodeIfPresent(institutionName, forKey: .institutionName)
        try c.encodeIfPresent(bodyPartExamined, forKey: .bodyPartExamined)
        try c.encodeIfPresent(pixelSpacing, forKey: .pixelSpacing)
        try c.encodeIfPresent(windowCenter, forKey: .windowCenter)
        try c.encodeIfPresent(windowWidth, forKey: .windowWidth)
        try c.encodeIfPresent(min, forKey: .min)
        try c.encodeIfPresent(max, forKey: .max)
        try c.encodeIfPresent(mean, forKey: .mean)
        try c.encodeIfPresent(error, forKey: .error)
    }

    private enum CodingKeys: String, CodingKey {
        case path, format, rows, columns, frames, samplesPerPixel, bitsAllocated, bitsStored, signed
        case photometricInterpretation, decodedSamplesPerPixel, decodedPhotometricInterpretation
        case transferSyntaxUID, modality, transferSyntax, manufacturer, institutionName, bodyPartExamined
        case pixelSpacing, windowCenter, windowWidth, min, max, mean, error
    }

    static func inspect(_ path: String) -> InspectRecord {
        var record = InspectRecord(path: path)
        do {
            let reader = try ImageReader(path: path)
            let info = reader.info
            record.format = info.format.rawValue
            record.rows = info.rows
            record.columns = info.columns
            record.frames = info.frames
            record.samplesPerPixel = info.samplesPerPixel
            record.bitsAllocated = info.bitsAllocated
            record.bitsStored = info.bitsStored
            record.signed = info.isSigned
            record.photometricInterpretation = info.photometricInterpretation
            record.decodedSamplesPerPixel = info.decodedSamplesPerPixel
            record.decodedPhotometricInterpretation = info.decodedPhotometricInterpretation
            record.transferSyntaxUID = info.transferSyntax?.uid
            record.transferSyntax = info.transferSyntax?.name
            if let dicom = info.dicom {
                record.modality = dicom.modality
                record.manufacturer = dicom.manufacturer
                record.institutionName = dicom.institutionName
                record.bodyPartExamined = dicom.bodyPartExamined
                record.pixelSpacing = dicom.pixelSpacing
                record.windowCenter = dicom.windows.first?.center
                record.windowWidth = dicom.windows.first?.width
            }
            var low = Float.infinity, high = -Float.infinity
            var sum = 0.0
            var frame = [Float](repeating: 0, count: info.decodedFrameCount)
            for index in 0..<info.frames {
                try frame.withUnsafeMutableBufferPointer { buffer throws(ImagingError) in
                    try reader.decodeFrame(index, into: buffer)
                }
                var frameSum = 0.0
                for value in frame {
                    low = Swift.min(low, value)
                    high = Swift.max(high, value)
                    frameSum += Double(value)
                }
                sum += frameSum
            }
            record.min = Double(low)
            record.max = Double(high)
            record.mean = sum / Double(info.decodedFrameCount * info.frames)
        } catch {
            record.error = error.reason.description
        }
        return record
    }

    var text: String {
        if let error { return "\(path)\tERROR\t\(error)" }
        let frameCount = frames ?? 0
        var parts = [
            path, format ?? "?",
            "\(columns ?? 0)x\(rows ?? 0) \(frameCount) frame\(frameCount == 1 ? "" : "s")",
            "\(photometricInterpretation ?? "?") \(bitsStored ?? 0)/\(bitsAllocated ?? 0)-bit \(signed == true ? "signed" : "unsigned")",
        ]
        if let transferSyntax { parts.append(transferSyntax) }
        if let modality { parts.append(modality) }
        parts.append("min \(format(min)) max \(format(max)) mean \(format(mean))")
        return parts.joined(separator: "\t")
    }

    private func format(_ value: Double?) -> String {
        guard let value else { return "?" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String((value * 1000).rounded() / 1000)
    }
}
