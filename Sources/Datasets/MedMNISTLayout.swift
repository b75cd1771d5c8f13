/// MedMNIST `.npz` archives (placeholder until the NPZ reader lands).
public struct MedMNISTLayout: DatasetLayout {
    public var name: String { "medmnist" }

    public init() {}

    public func manifest(root: String) throws(DatasetError) -> SourceManifest {
        throw DatasetError(path: root, .layout("medmnist archives are not readable yet"))
    }
}
