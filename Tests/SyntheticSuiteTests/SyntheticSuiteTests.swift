import Imaging
import Testing
import TestSupport

@testable import SyntheticSuite

/// The synthetic suite end to end: files written, decoded back, labels checked against them.
@Suite struct SyntheticSuiteTests {
    static let small = SynthOptions(hospitals: 3, patients: 12, imagesPerPatient: 2...3, size: 24, seed: 11)

    /// labels.csv as rows of fields (header dropped).
    static func rows(_ directory: String, _ task: SyntheticSuite.Task) throws -> [[String]] {
        let text = String(decoding: try readFile("\(directory)/\(task.rawValue)/labels.csv"), as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.first == ["path", "label", "patient", "hospital"])
        return Array(lines.dropFirst())
    }

    /// Every file under `directory` with its bytes, by path relative to `directory`.
    static func contents(_ directory: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for file in try FileIO.listFiles(in: directory, recursive: true) {
            out[String(file.dropFirst(directory.count + 1))] = try readFile(file)
        }
        return out
    }

    @Test func sameSeedGivesByteIdenticalFilesWhateverTheThreadCount() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory(), c = TemporaryDirectory()
        var serial = Self.small
        serial.threads = 1
        _ = try SyntheticSuite.generate(serial, to: a.path)
        _ = try SyntheticSuite.generate(Self.small, to: b.path)
        let first = try Self.contents(a.path), second = try Self.contents(b.path)
        #expect(first.count > 3 * 24)
        #expect(first.keys.sorted() == second.keys.sorted())
        for (path, bytes) in first { #expect(second[path] == bytes, "\(path) differs between runs") }

        var other = Self.small
        other.seed = 12
        _ = try SyntheticSuite.generate(other, to: c.path)
        let third = try Self.contents(c.path)
        let images = first.keys.filter { !$0.hasSuffix(".csv") }
        let differing = images.filter { third[$0] != nil && third[$0] != first[$0] }
        let shared = images.filter { third[$0] != nil }
        #expect(!shared.isEmpty && differing.count == shared.count, "another seed must change every shared image")
    }

    @Test(arguments: SyntheticSuite.Task.allCases)
    func everyFileDecodesToTheExpectedShape(task: SyntheticSuite.Task) throws {
        let directory = TemporaryDirectory()
        var options = Self.small
        options.tasks = [task]
        options.patients = task == .ct ? 30 : 12
        let report = try SyntheticSuite.generate(options, to: directory.path)
        let rows = try Self.rows(directory.path, task)
        #expect(rows.count == report.tasks[0].images)
        var syntaxes: [String: Int] = [:]
        for row in rows {
            let reader = try ImageReader(path: "\(directory.path)/\(task.rawValue)/\(row[0])")
            let info = reader.info
            #expect(info.rows == 24 && info.columns == 24 && info.frames == 1)
            #expect(info.decodedSamplesPerPixel == (task == .ct ? 1 : 3))
            switch task {
            case .derm: #expect(info.format == .jpeg)
            case .path: #expect(info.format == .png && info.bitsStored == 8)
            case .ct:
                #expect(info.format == .dicom && info.bitsAllocated == 16)
                let dicom = try #require(info.dicom)
                #expect(dicom.modality == "CT" && dicom.institutionName == row[3] && dicom.patientID == row[2])
                #expect(dicom.manufacturer.map { SynthHospital.vendors.contains($0) } == true)
                #expect(dicom.studyInstanceUID?.hasPrefix("2.25.") == true)
                let hu = try reader.decodeFrame(0)
                #expect(hu.min()! >= -1024 && hu.max()! <= 3071)
                #expect(hu.min()! < -900 && hu.max()! > 200, "air and bone must both be present")
                let name = try #require(info.transferSyntax?.name)
                syntaxes[name, default: 0] += 1
            }
        }
        if task == .ct {
            let expected: Set<String> = [
                TransferSyntax.explicitVRLittleEndian.name, TransferSyntax.jpegLosslessSV1.name,
                TransferSyntax.jpegLSLossless.name, TransferSyntax.rleLossless.name,
            ]
            #expect(Set(syntaxes.keys) == expected)
            let compressed = Double(rows.count - syntaxes[TransferSyntax.explicitVRLittleEndian.name, default: 0])
            #expect((0.15...0.5).contains(compressed / Double(rows.count)), "about a third compressed: \(syntaxes)")
        }
    }

    @Test(arguments: SyntheticSuite.Task.allCases)
    func labelsMatchFilesAndCohortIsStructured(task: SyntheticSuite.Task) throws {
        let directory = TemporaryDirectory()
        let options = SynthOptions(tasks: [task], hospitals: 4, patients: 60, imagesPerPatient: 2...4, size: 16, seed: 3)
        let report = try SyntheticSuite.generate(options, to: directory.path)
        let rows = try Self.rows(directory.path, task)
        let files = try FileIO.listFiles(in: "\(directory.path)/\(task.rawValue)", recursive: true)
            .filter { !$0.hasSuffix("labels.csv") }
        #expect(rows.count == files.count)
        #expect(Set(rows.map { "\(directory.path)/\(task.rawValue)/\($0[0])" }) == Set(files))
        #expect(Set(rows.map { $0[1] }) == Set(task.classes), "every class appears")
        #expect(rows.map { SyntheticSuite.LabelRow(path: $0[0], label: $0[1], patient: $0[2], hospital: $0[3]) }
            == (try SyntheticSuite.labels(for: task, options: options)))

        var hospitalOf: [String: String] = [:]
        var imagesOf: [String: Int] = [:]
        for row in rows {
            #expect(row[2].hasPrefix("\(task.rawValue)-p") && row[2].count == task.rawValue.count + 6)
            #expect(hospitalOf[row[2], default: row[3]] == row[3], "a patient belongs to one hospital")
            hospitalOf[row[2]] = row[3]
            imagesOf[row[2], default: 0] += 1
        }
        #expect(imagesOf.count == 60 && imagesOf.values.allSatisfy { (2...4).contains($0) })
        #expect(Set(hospitalOf.values).count == 4)
        let patientCounts = report.tasks[0].hospitals.map(\.patients)
        #expect(Set(patientCounts).count > 1, "hospitals differ in size: \(patientCounts)")

        // Label skew: the largest total-variation distance between two hospitals' class mixes.
        let mixes = report.tasks[0].hospitals.map { h in task.classes.map { Double(h.classes[$0] ?? 0) / Double(h.images) } }
        var widest = 0.0
        for i in mixes.indices {
            for j in mixes.indices where j > i {
                widest = max(widest, zip(mixes[i], mixes[j]).reduce(0) { $0 + abs($1.0 - $1.1) } / 2)
            }
        }
        #expect(widest > 0.25, "class mixes should differ between hospitals (TV \(widest))")
    }

    /// A classifier that sees only an image's mean grey value (nearest class mean, fitted on half of
    /// the patients) must stay weak: classes are drawn by morphology and texture, and size, tone and
    /// acquisition move the mean across classes. The CNN figures are in docs/synthetic.md.
    @Test(arguments: SyntheticSuite.Task.allCases)
    func meanIntensityAloneIsAWeakClassifier(task: SyntheticSuite.Task) throws {
        let directory = TemporaryDirectory()
        let options = SynthOptions(tasks: [task], hospitals: 5, patients: 80, imagesPerPatient: 2...4, size: 32, seed: 5)
        _ = try SyntheticSuite.generate(options, to: directory.path)
        let rows = try Self.rows(directory.path, task)
        var samples: [(mean: Double, label: Int, train: Bool)] = []
        for row in rows {
            let pixels = try ImageReader(path: "\(directory.path)/\(task.rawValue)/\(row[0])").decodeFrame(0)
            let windowed = task == .ct ? pixels.map { min(max(($0 + 1350) / 1500, 0), 1) } : pixels
            let mean = Double(windowed.reduce(0, +)) / Double(windowed.count)
            let patient = Int(row[2].split(separator: "p").last!)!
            samples.append((mean, task.classes.firstIndex(of: row[1])!, patient % 2 == 0))
        }
        let k = task.classes.count
        let centres = (0..<k).map { c -> Double in
            let values = samples.filter { $0.train && $0.label == c }.map(\.mean)
            return values.isEmpty ? .infinity : values.reduce(0, +) / Double(values.count)
        }
        let test = samples.filter { !$0.train }
        let correct = test.filter { s in centres.indices.min { abs(centres[$0] - s.mean) < abs(centres[$1] - s.mean) } == s.label }
        let accuracy = Double(correct.count) / Double(test.count)
        #expect(accuracy < 0.45, "\(task): mean intensity alone classifies \(accuracy) of held-out images")
    }

    @Test func optionsAreValidated() {
        let bad: [SynthOptions] = [
            SynthOptions(size: 8), SynthOptions(size: 1024), SynthOptions(hospitals: 0), SynthOptions(hospitals: 65),
            SynthOptions(hospitals: 5, patients: 4), SynthOptions(imagesPerPatient: 0...3), SynthOptions(tasks: []),
            SynthOptions(tasks: [.ct, .ct]), SynthOptions(threads: 0),
        ]
        for options in bad {
            #expect(throws: SynthError.self) { try options.validate() }
        }
        #expect(throws: SynthError.self) { _ = try SyntheticSuite.generate(SynthOptions(size: 8), to: "/nonexistent") }
        #expect((try? SynthOptions().validate()) != nil)
    }

    @Test func unwritableFolderIsReportedNotCrashed() throws {
        let directory = TemporaryDirectory()
        try writeFile([1], to: directory.file("file"))
        #expect(throws: SynthError.self) {
            _ = try SyntheticSuite.generate(Self.small, to: directory.file("file"))
        }
    }

    @Test func patientsAreApportionedToEveryHospital() {
        #expect(CohortPlan.apportion(10, weights: [1, 1, 1]) == [4, 3, 3])
        #expect(CohortPlan.apportion(5, weights: [100, 0.01, 0.01, 0.01, 0.01]) == [1, 1, 1, 1, 1])
        let counts = CohortPlan.apportion(240, weights: [0.4, 1.6, 1.0, 0.7, 1.3])
        #expect(counts.reduce(0, +) == 240 && counts.allSatisfy { $0 >= 1 } && counts[1] > counts[0])
    }

    @Test func generatorStreamsAreReproducible() {
        var a = SynthRandom(stream: [1, 2, 3]), b = SynthRandom(stream: [1, 2, 3]), c = SynthRandom(stream: [1, 2, 4])
        let x = (0..<8).map { _ in a.next() }
        #expect(x == (0..<8).map { _ in b.next() })
        #expect(x != (0..<8).map { _ in c.next() })
        var d = SynthRandom(seed: 9)
        let values = (0..<10_000).map { _ in d.unit() }
        let mean = values.reduce(0, +) / 10_000
        #expect(abs(mean - 0.5) < 0.02 && values.allSatisfy { (0..<1).contains($0) })
    }
}
