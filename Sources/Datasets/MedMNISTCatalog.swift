/// A MedMNIST v2 2D dataset, by the flag its files and the `medmnist` package use.
public enum MedMNISTFlag: String, CaseIterable, Sendable, Codable {
    case pathmnist, chestmnist, dermamnist, octmnist, pneumoniamnist, retinamnist, breastmnist, bloodmnist
    case tissuemnist, organamnist, organcmnist, organsmnist
}

/// The task a dataset's labels pose; raw values are the `task` strings of `INFO`.
public enum MedMNISTTask: String, Sendable, Codable {
    /// One label per sample among `classNames.count` classes.
    case multiClass = "multi-class"
    /// One binary label per class name (ChestMNIST: 14 findings, any number present).
    case multiLabelBinary = "multi-label, binary-class"
    /// One label, 0 or 1.
    case binary = "binary-class"
    /// One ordered grade (RetinaMNIST: diabetic retinopathy grades 0–4).
    case ordinalRegression = "ordinal-regression"
}

/// Sample counts of the official splits.
public struct MedMNISTSplitSizes: Sendable, Hashable, Codable {
    public let train: Int
    public let validation: Int
    public let test: Int

    public init(train: Int, validation: Int, test: Int) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    public var total: Int { train + validation + test }
}

/// What the catalog knows about one flag.
public struct MedMNISTDataset: Sendable, Hashable {
    public let flag: MedMNISTFlag
    public let task: MedMNISTTask
    /// 1 (grayscale) or 3 (RGB).
    public let channels: Int
    public let splits: MedMNISTSplitSizes
    /// Class names in label-index order; for the multi-label task, the names of the label columns.
    public let classNames: [String]

    /// Columns of the label array: 14 for ChestMNIST, 1 otherwise.
    public var labelColumns: Int { task == .multiLabelBinary ? classNames.count : 1 }
}

/// The twelve 2D datasets of MedMNIST v2 (also served at 64, 128 and 224 pixels as MedMNIST+):
/// what each flag's labels mean and how large its official splits are.
///
/// Contract: `classNames` are in label-index order (label `k` of a sample is `classNames[k]`); for
/// ChestMNIST, the multi-label task, they name the 14 binary label columns instead. Split sizes are
/// the official ones and do not depend on the image size. Each archive `{flag}.npz` (28 px) or
/// `{flag}_{64|128|224}.npz` holds `train_images`, `train_labels`, `val_images`, `val_labels`,
/// `test_images`, `test_labels`: images `uint8` of shape (N, S, S) for one channel or (N, S, S, 3),
/// labels `uint8` of shape (N, 1), or (N, 14) for ChestMNIST.
///
/// Source: the `INFO` dictionary of the `medmnist` Python package 3.0.2 (`medmnist/info.py`;
/// https://github.com/MedMNIST/MedMNIST), and Yang et al., "MedMNIST v2 — A large-scale lightweight
/// benchmark for 2D and 3D biomedical image classification", Scientific Data 10, 41 (2023).
/// `scripts/check-medmnist-catalog.py` compares this file with `INFO`.
public enum MedMNISTCatalog {
    /// The image sizes MedMNIST is published at, in pixels per side (28 is MedMNIST v2 itself).
    public static let imageSizes = [28, 64, 128, 224]

    /// The catalog entry of `flag`.
    public static func dataset(_ flag: MedMNISTFlag) -> MedMNISTDataset {
        all.first { $0.flag == flag }!
    }

    /// The flag and image size a MedMNIST file name stands for: `pathmnist.npz` → (.pathmnist, 28),
    /// `chestmnist_224.npz` → (.chestmnist, 224); nil for any other name. Folders before the last
    /// `/` are ignored; names are case-sensitive, as published.
    public static func parseFileName(_ name: String) -> (flag: MedMNISTFlag, size: Int)? {
        let file = name.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? name
        guard file.hasSuffix(".npz") else { return nil }
        let stem = file.dropLast(4)
        if let flag = MedMNISTFlag(rawValue: String(stem)) { return (flag, 28) }
        guard let underscore = stem.lastIndex(of: "_"),
            let flag = MedMNISTFlag(rawValue: String(stem[..<underscore]))
        else { return nil }
        let suffix = String(stem[stem.index(after: underscore)...])
        guard let size = [64, 128, 224].first(where: { String($0) == suffix }) else { return nil }
        return (flag, size)
    }

    /// Every flag's entry, in `MedMNISTFlag.allCases` order.
    public static let all: [MedMNISTDataset] = [
        MedMNISTDataset(
            flag: .pathmnist, task: .multiClass, channels: 3,
            splits: MedMNISTSplitSizes(train: 89996, validation: 10004, test: 7180),
            classNames: [
                "adipose",
                "background",
                "debris",
                "lymphocytes",
                "mucus",
                "smooth muscle",
                "normal colon mucosa",
                "cancer-associated stroma",
                "colorectal adenocarcinoma epithelium",
            ]),
        MedMNISTDataset(
            flag: .chestmnist, task: .multiLabelBinary, channels: 1,
            splits: MedMNISTSplitSizes(train: 78468, validation: 11219, test: 22433),
            classNames: [
                "atelectasis",
                "cardiomegaly",
                "effusion",
                "infiltration",
                "mass",
                "nodule",
                "pneumonia",
                "pneumothorax",
                "consolidation",
                "edema",
                "emphysema",
                "fibrosis",
                "pleural",
                "hernia",
            ]),
        MedMNISTDataset(
            flag: .dermamnist, task: .multiClass, channels: 3,
            splits: MedMNISTSplitSizes(train: 7007, validation: 1003, test: 2005),
            classNames: [
                "actinic keratoses and intraepithelial carcinoma",
                "basal cell carcinoma",
                "benign keratosis-like lesions",
                "dermatofibroma",
                "melanoma",
                "melanocytic nevi",
                "vascular lesions",
            ]),
        MedMNISTDataset(
            flag: .octmnist, task: .multiClass, channels: 1,
            splits: MedMNISTSplitSizes(train: 97477, validation: 10832, test: 1000),
            classNames: [
                "choroidal neovascularization",
                "diabetic macular edema",
                "drusen",
                "normal",
            ]),
        MedMNISTDataset(
            flag: .pneumoniamnist, task: .binary, channels: 1,
            splits: MedMNISTSplitSizes(train: 4708, validation: 524, test: 624),
            classNames: [
                "normal",
                "pneumonia",
            ]),
        MedMNISTDataset(
            flag: .retinamnist, task: .ordinalRegression, channels: 3,
            splits: MedMNISTSplitSizes(train: 1080, validation: 120, test: 400),
            classNames: [
                "0",
                "1",
                "2",
                "3",
                "4",
            ]),
        MedMNISTDataset(
            flag: .breastmnist, task: .binary, channels: 1,
            splits: MedMNISTSplitSizes(train: 546, validation: 78, test: 156),
            classNames: [
                "malignant",
                "normal, benign",
            ]),
        MedMNISTDataset(
            flag: .bloodmnist, task: .multiClass, channels: 3,
            splits: MedMNISTSplitSizes(train: 11959, validation: 1712, test: 3421),
            classNames: [
                "basophil",
                "eosinophil",
                "erythroblast",
                "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)",
                "lymphocyte",
                "monocyte",
                "neutrophil",
                "platelet",
            ]),
        MedMNISTDataset(
            flag: .tissuemnist, task: .multiClass, channels: 1,
            splits: MedMNISTSplitSizes(train: 165466, validation: 23640, test: 47280),
            classNames: [
                "Collecting Duct, Connecting Tubule",
                "Distal Convoluted Tubule",
                "Glomerular endothelial cells",
                "Interstitial endothelial cells",
                "Leukocytes",
                "Podocytes",
                "Proximal Tubule Segments",
                "Thick Ascending Limb",
            ]),
        MedMNISTDataset(
            flag: .organamnist, task: .multiClass, channels: 1,
            splits: MedMNISTSplitSizes(train: 34561, validation: 6491, test: 17778),
            classNames: [
                "bladder",
                "femur-left",
                "femur-right",
                "heart",
                "kidney-left",
                "kidney-right",
                "liver",
                "lung-left",
                "lung-right",
                "pancreas",
                "spleen",
            ]),
        MedMNISTDataset(
            flag: .organcmnist, task: .multiClass, channels: 1,
            splits: MedMNISTSplitSizes(train: 12975, validation: 2392, test: 8216),
            classNames: [
                "bladder",
                "femur-left",
                "femur-right",
                "heart",
                "kidney-left",
                "kidney-right",
                "liver",
                "lung-left",
                "lung-right",
                "pancreas",
                "spleen",
            ]),
        MedMNISTDataset(
            flag: .organsmnist, task: .multiClass, channels: 1,
            splits: MedMNISTSplitSizes(train: 13932, validation: 2452, test: 8827),
            classNames: [
                "bladder",
                "femur-left",
                "femur-right",
                "heart",
                "kidney-left",
                "kidney-right",
                "liver",
                "lung-left",
                "lung-right",
                "pancreas",
                "spleen",
            ]),
    ]
}
