import Imaging

/// Renders, encodes and writes one task's images in parallel, then its labels.csv.
struct TaskWriter {
    let task: SyntheticSuite.Task
    let options: SynthOptions
    let folder: String
    let plan: CohortPlan

    init(task: SyntheticSuite.Task, options: SynthOptions, root: String) {
        self.task = task
        self.options = options
        self.folder = root.hasSuffix("/") ? root + task.rawValue : root + "/" + task.rawValue
        self.plan = CohortPlan(task: task, options: options)
    }

    func write() throws(SynthError) -> SynthReport.TaskReport {
        for hospital in plan.hospitals {
            do { try FileIO.createDirectory(folder + "/" + hospital.folder) } catch {
                throw .writeFailed(path: error.path, message: error.description)
            }
        }
        let task = self.task, options = self.options, plan = self.plan, folder = self.folder
        let results = Parallel.map(plan.images.count, threads: options.threads) { i in
            Self.writeImage(plan.images[i], task: task, plan: plan, options: options, folder: folder)
        }
        var encodings: [String: Int] = [:]
        for result in results {
            switch result {
            case .success(let encoding): encodings[encoding, default: 0] += 1
            case .failure(let error): throw error
            }
        }
        try writeLabels()
        return report(encodings: encodings)
    }

    /// Renders and writes one image; returns the name of its encoding.
    static func writeImage(
        _ image: CohortPlan.Image, task: SyntheticSuite.Task, plan: CohortPlan, options: SynthOptions, folder: String
    ) -> Result<String, SynthError> {
        let patient = plan.patients[image.patient]
        let keys = [options.seed, task.streamKey]
        var hospitalRandom = SynthRandom(stream: keys + [StreamTag.hospital, UInt64(image.hospital)])
        var patientRandom = SynthRandom(stream: keys + [StreamTag.patient, UInt64(image.hospital), UInt64(patient.index)])
        var random = SynthRandom(
            stream: keys + [StreamTag.image, UInt64(image.hospital), UInt64(patient.index), UInt64(image.number)])
        let path = folder + "/" + image.path
        let size = options.size
        do throws(ImagingError) {
            switch task {
            case .derm:
                let signature = DermGenerator.Signature(&hospitalRandom)
                let anatomy = DermGenerator.Anatomy(label: patient.mainLabel, &patientRandom)
                let rgb = DermGenerator.render(anatomy: anatomy, signature: signature, size: size, random: &random)
                let bytes = try JPEGWriter.encode(
                    rgb, width: size, height: size, channels: 3, quality: SyntheticSuite.jpegQuality, subsampling: .s420)
                try FileIO.writeAtomically(bytes, to: path)
                return .success("jpeg")
            case .path:
                let signature = PathGenerator.Signature(&hospitalRandom)
                let anatomy = PathGenerator.Anatomy(&patientRandom)
                let rgb = PathGenerator.render(label: image.label, anatomy: anatomy, signature: signature, size: size, random: &random)
                try FileIO.writeAtomically(try PNGWriter.encode(rgb, width: size, height: size, channels: 3), to: path)
                return .success("png")
            case .ct:
                let signature = CTGenerator.Signature(&hospitalRandom)
                let anatomy = CTGenerator.Anatomy(&patientRandom)
                let encoding = CTFile.encoding(&random)
                let hu = CTGenerator.render(label: image.label, anatomy: anatomy, signature: signature, size: size, random: &random)
                let dicom = CTFile.image(
                    hu: hu, size: size, storage: signature.storage, hospital: plan.hospitals[image.hospital],
                    patient: patient.id, number: image.number, seed: options.seed)
                try DICOMWriter.write(dicom, to: path, encoding: encoding)
                return .success(CTFile.name(of: encoding))
            }
        } catch {
            return .failure(.writeFailed(path: path, message: error.description))
        }
    }

    private func writeLabels() throws(SynthError) {
        var text = "path,label,patient,hospital\n"
        for image in plan.images {
            text += "\(image.path),\(task.classes[image.label]),\(plan.patients[image.patient].id),"
            text += "\(plan.hospitals[image.hospital].name)\n"
        }
        let path = folder + "/labels.csv"
        do { try FileIO.writeAtomically(Array(text.utf8), to: path) } catch {
            throw .writeFailed(path: path, message: error.description)
        }
    }

    private func report(encodings: [String: Int]) -> SynthReport.TaskReport {
        var classes: [String: Int] = [:]
        var hospitals = plan.hospitals.map {
            SynthReport.Hospital(name: $0.name, vendor: $0.vendor, folder: $0.folder, patients: 0, images: 0, classes: [:])
        }
        for patient in plan.patients { hospitals[patient.hospital].patients += 1 }
        for image in plan.images {
            let name = task.classes[image.label]
            classes[name, default: 0] += 1
            hospitals[image.hospital].images += 1
            hospitals[image.hospital].classes[name, default: 0] += 1
        }
        return SynthReport.TaskReport(
            task: task, directory: folder, labels: folder + "/labels.csv", classNames: task.classes,
            images: plan.images.count, patients: plan.patients.count, classes: classes, hospitals: hospitals,
            encodings: encodings)
    }
}
