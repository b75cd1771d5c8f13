import Testing

@testable import Datasets

@Suite struct PatientSplitterTests {
    static func samples(patients: Int, imagesEach: Int, classes: Int) -> [SourceSample] {
        (0..<patients).flatMap { p in
            (0..<imagesEach).map { i in
                SourceSample(origin: .file("p\(p)/\(i).png"), labels: [p % classes], patient: "patient-\(p)")
            }
        }
    }

    @Test func noPatientIsInTwoSplitsAndSharesFollowTheRatios() {
        let samples = Self.samples(patients: 200, imagesEach: 3, classes: 4)
        let (splits, conflicts) = PatientSplitter(seed: 1).assign(samples, classCount: 4)
        #expect(conflicts == 0)
        var splitOf: [String: Split] = [:]
        for (sample, split) in zip(samples, splits) {
            if let known = splitOf[sample.patient!] { #expect(known == split) }
            splitOf[sample.patient!] = split
        }
        let counts = Dictionary(grouping: splits, by: { $0 }).mapValues(\.count)
        #expect(abs(Double(counts[.train]!) / 600 - 0.7) < 0.02)
        #expect(abs(Double(counts[.val]!) / 600 - 0.15) < 0.02)
        #expect(abs(Double(counts[.test]!) / 600 - 0.15) < 0.02)
        // Stratified: every class is in every split.
        for split in Split.allCases {
            let classes = Set(zip(samples, splits).filter { $0.1 == split }.map { $0.0.labels[0] })
            #expect(classes == [0, 1, 2, 3])
        }
    }

    @Test func sameSeedSameSplitOtherSeedOther() {
        let samples = Self.samples(patients: 50, imagesEach: 2, classes: 2)
        let a = PatientSplitter(seed: 3).assign(samples, classCount: 2).splits
        let b = PatientSplitter(seed: 3).assign(samples, classCount: 2).splits
        let c = PatientSplitter(seed: 4).assign(samples, classCount: 2).splits
        #expect(a == b)
        #expect(a != c)
    }

    @Test func givenSplitsAreKeptAndTheRestFillsTheOtherSplits() {
        // The source gives a test split (like NIH's test list): the rest goes to train and val only, and a
        // patient with a given split takes its other samples along.
        var samples = Self.samples(patients: 40, imagesEach: 2, classes: 2)
        for index in 0..<20 { samples[index].split = .test }  // patients 0–9 fully given
        samples[20].split = .test  // patient 10: one given image, one not
        let (splits, _) = PatientSplitter(seed: 0).assign(samples, classCount: 2)
        #expect(splits[0..<22].allSatisfy { $0 == .test })
        #expect(splits[22...].allSatisfy { $0 != .test })
        #expect(splits[22...].contains(.val) && splits[22...].contains(.train))
    }

    @Test func samplesWithoutPatientsAreSplitOneByOne() {
        let samples = (0..<100).map { SourceSample(origin: .file("\($0).png"), labels: [$0 % 2]) }
        let splits = PatientSplitter(seed: 0).assign(samples, classCount: 2).splits
        #expect((68...72).contains(splits.filter { $0 == .train }.count))
    }

    @Test func ratiosAreValidated() {
        #expect(throws: DatasetError.self) { try PatientSplitter.Ratios(train: 0.5, val: 0.2, test: 0.2).validate() }
        #expect(throws: DatasetError.self) { try PatientSplitter.Ratios(train: 0, val: 0.5, test: 0.5).validate() }
        #expect(throws: Never.self) { try PatientSplitter.Ratios(train: 0.8, val: 0, test: 0.2).validate() }
    }
}
