import NPZ

/// MedMNIST `.npz` archives: `{flag}.npz` or `{flag}_{64|128|224}.npz` holding `train_images`,
/// `train_labels`, `val_images`, `val_labels`, `test_images`, `test_labels` (images uint8 (N, S, S) or
/// (N, S, S, 3); labels (N, 1), or (N, 14) binary columns for ChestMNIST). The official splits are kept;
/// class names come from `MedMNISTCatalog` for the 12 2D flags (an archive with another name is read
/// with numbered classes). MedMNIST has no patient identifiers, so splits cannot be checked for patients.
/// Dtypes, shapes and orders are checked before any pixel is read; anything else is refused.
public struct MedMNISTLayout: DatasetLayout {
    public var name: String { "medmnist" }

    public init() {}

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        let archivePath = try locate(root)
        let archive: NPZArchive
        do { archive = try NPZArchive(path: archivePath) } catch {
            throw DatasetError(path: archivePath, .invalidArray(error.description))
        }
        let parsed = MedMNISTCatalog.parseFileName(archivePath)
        let dataset = parsed.map { MedMNISTCatalog.dataset($0.flag) }
        var samples: [SourceSample] = []
        var labelColumns: Int?
        var imageShape: [Int]?
        var maxLabel = -1
        var notes: [String] = []
        for (prefix, split) in [("train", Split.train), ("val", Split.val), ("test", Split.test)] {
            let imagesName = "\(prefix)_images"
            let labelsName = "\(prefix)_labels"
            guard archive.arrayNames.contains(imagesName), archive.arrayNames.contains(labelsName) else {
                notes.append("medmnist: no \(prefix) arrays")
                continue
            }
            let images: NPYHeader
            let labels: NPYArray
            do {
                images = try archive.header(of: imagesName)
                labels = try archive.read(labelsName)
            } catch {
                throw DatasetError(path: archivePath, .invalidArray(error.description))
            }
            guard images.dtype.kind == .uint8, !images.fortranOrder,
                images.shape.count == 3 || (images.shape.count == 4 && images.shape[3] == 3),
                images.shape.dropFirst().allSatisfy({ $0 > 0 })
            else {
                throw DatasetError(
                    path: archivePath,
                    .invalidArray("\(imagesName) is \(images.dtype) \(images.shape); MedMNIST images are uint8 (N,H,W) or (N,H,W,3)"))
            }
            if let imageShape, imageShape != Array(images.shape.dropFirst()) {
                throw DatasetError(path: archivePath, .invalidArray("\(imagesName) has another image shape than the train images"))
            }
            imageShape = Array(images.shape.dropFirst())
            let header = labels.header
            guard header.shape.count == 2, header.shape[0] == images.shape[0], header.shape[1] >= 1,
                [.uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64].contains(header.dtype.kind)
            else {
                throw DatasetError(
                    path: archivePath,
                    .invalidArray("\(labelsName) is \(header.dtype) \(header.shape); expected integer labels (\(images.shape[0]), K)"))
            }
            if let labelColumns, labelColumns != header.shape[1] {
                throw DatasetError(path: archivePath, .invalidArray("\(labelsName) has another column count"))
            }
            labelColumns = header.shape[1]
            let values = integers(labels)
            let k = header.shape[1]
            for row in 0..<header.shape[0] {
                let rowValues = values[row * k..<(row + 1) * k]
                let classes: [Int]
                if k == 1 {
                    guard let value = rowValues.first, value >= 0 else {
                        throw DatasetError(path: archivePath, .invalidArray("\(labelsName)[\(row)] is negative"))
                    }
                    classes = [value]
                } else {
                    classes = rowValues.enumerated().filter { $0.element != 0 }.map(\.offset)
                }
                maxLabel = max(maxLabel, classes.max() ?? -1)
                samples.append(SourceSample(origin: .arrayRow(member: imagesName, row: row), labels: classes, split: split))
            }
        }
        guard let labelColumns else {
            throw DatasetError(path: archivePath, .invalidArray("no (train|val|test)_images/_labels arrays"))
        }
        let multiLabel = labelColumns > 1
        var classes: [String]
        if let dataset, dataset.labelColumns == labelColumns, maxLabel < dataset.classNames.count {
            classes = dataset.classNames
            notes.append(
                "medmnist: \(dataset.flag.rawValue) at \(parsed!.size) px, \(dataset.task.rawValue), official splits kept")
        } else {
            let count = multiLabel ? labelColumns : maxLabel + 1
            classes = (0..<count).map(String.init)
            notes.append("medmnist: \(FileAccess.baseName(archivePath)) is not a known MedMNIST flag; classes numbered 0…\(count - 1)")
        }
        if classes.isEmpty { classes = ["0"] }
        let root = FileAccess.realPath(FileAccess.directoryName(archivePath)) ?? FileAccess.directoryName(archivePath)
        return SourceManifest(
            root: root, layout: name, classes: classes, multiLabel: multiLabel, samples: samples, notes: notes,
            inputs: [archivePath], grouping: nil, archive: archivePath)
    }

    /// The archive: `root` itself, or the single `.npz` in the folder `root`.
    private func locate(_ root: String) throws(DatasetError) -> String {
        if !FileAccess.isDirectory(root) { return FileAccess.realPath(root) ?? root }
        let archives = try FolderListing.entries(root).filter { $0.lowercased().hasSuffix(".npz") }
        guard archives.count == 1 else {
            throw DatasetError(
                path: root, .layout(archives.isEmpty ? "no .npz archive in the folder" : "several .npz archives; name one"))
        }
        return FileAccess.join(root, archives[0])
    }

    /// Label values as Int, whatever their integer dtype and byte order.
    private func integers(_ array: NPYArray) -> [Int] {
        let dtype = array.header.dtype
        let size = dtype.kind.size
        let big = dtype.byteOrder == .big
        let signed = [.int8, .int16, .int32, .int64].contains(dtype.kind)
        return (0..<array.header.elementCount).map { i in
            var value: UInt64 = 0
            for b in 0..<size {
                let byte = UInt64(array.bytes[i * size + (big ? b : size - 1 - b)])
                value = value << 8 | byte
            }
            if signed && size < 8 && value & (1 << UInt64(8 * size - 1)) != 0 { value |= ~0 << UInt64(8 * size) }
            return Int(truncatingIfNeeded: Int64(bitPattern: value))
        }
    }
}
