import Datasets
import Testing

/// Facts checked by hand against the `INFO` dictionary of `medmnist` 3.0.2 (`medmnist/info.py`);
/// `scripts/check-medmnist-catalog.py` compares every entry mechanically.
@Suite struct MedMNISTCatalogTests {
    static let facts: [(MedMNISTFlag, MedMNISTTask, channels: Int, classes: Int, MedMNISTSplitSizes)] = [
        (.pathmnist, .multiClass, 3, 9, .init(train: 89996, validation: 10004, test: 7180)),
        (.chestmnist, .multiLabelBinary, 1, 14, .init(train: 78468, validation: 11219, test: 22433)),
        (.dermamnist, .multiClass, 3, 7, .init(train: 7007, validation: 1003, test: 2005)),
        (.octmnist, .multiClass, 1, 4, .init(train: 97477, validation: 10832, test: 1000)),
        (.pneumoniamnist, .binary, 1, 2, .init(train: 4708, validation: 524, test: 624)),
        (.retinamnist, .ordinalRegression, 3, 5, .init(train: 1080, validation: 120, test: 400)),
        (.breastmnist, .binary, 1, 2, .init(train: 546, validation: 78, test: 156)),
        (.bloodmnist, .multiClass, 3, 8, .init(train: 11959, validation: 1712, test: 3421)),
        (.tissuemnist, .multiClass, 1, 8, .init(train: 165466, validation: 23640, test: 47280)),
        (.organamnist, .multiClass, 1, 11, .init(train: 34561, validation: 6491, test: 17778)),
        (.organcmnist, .multiClass, 1, 11, .init(train: 12975, validation: 2392, test: 8216)),
        (.organsmnist, .multiClass, 1, 11, .init(train: 13932, validation: 2452, test: 8827)),
    ]

    @Test(arguments: facts)
    func entriesMatchINFO(
        _ flag: MedMNISTFlag, _ task: MedMNISTTask, _ channels: Int, _ classes: Int, _ splits: MedMNISTSplitSizes
    ) {
        let dataset = MedMNISTCatalog.dataset(flag)
        #expect(dataset.flag == flag)
        #expect(dataset.task == task)
        #expect(dataset.channels == channels)
        #expect(dataset.classNames.count == classes)
        #expect(dataset.splits == splits)
        #expect(Set(dataset.classNames).count == classes)
    }

    @Test func everyFlagOnceInOrder() {
        #expect(MedMNISTCatalog.all.map(\.flag) == MedMNISTFlag.allCases)
        #expect(MedMNISTFlag.allCases.count == 12)
    }

    @Test func classNamesAreInLabelOrder() {
        let path = MedMNISTCatalog.dataset(.pathmnist).classNames
        #expect(path.first == "adipose")
        #expect(path.last == "colorectal adenocarcinoma epithelium")
        let chest = MedMNISTCatalog.dataset(.chestmnist)
        #expect(chest.classNames.first == "atelectasis")
        #expect(chest.classNames.last == "hernia")
        #expect(chest.labelColumns == 14)
        #expect(MedMNISTCatalog.dataset(.breastmnist).classNames == ["malignant", "normal, benign"])
        #expect(MedMNISTCatalog.dataset(.pneumoniamnist).classNames == ["normal", "pneumonia"])
        #expect(MedMNISTCatalog.dataset(.retinamnist).classNames == ["0", "1", "2", "3", "4"])
        #expect(MedMNISTCatalog.dataset(.retinamnist).labelColumns == 1)
        #expect(MedMNISTCatalog.dataset(.octmnist).classNames[0] == "choroidal neovascularization")
        #expect(
            MedMNISTCatalog.dataset(.bloodmnist).classNames[3]
                == "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)")
        #expect(MedMNISTCatalog.dataset(.tissuemnist).classNames[0] == "Collecting Duct, Connecting Tubule")
        #expect(MedMNISTCatalog.dataset(.organsmnist).classNames[10] == "spleen")
        #expect(MedMNISTCatalog.dataset(.tissuemnist).splits.total == 236386)
    }

    static let fileNames: [(String, MedMNISTFlag?, Int?)] = [
        ("pathmnist.npz", .pathmnist, 28),
        ("chestmnist_224.npz", .chestmnist, 224),
        ("organcmnist_64.npz", .organcmnist, 64),
        ("/data/medmnist/bloodmnist_128.npz", .bloodmnist, 128),
        ("retinamnist_28.npz", nil, nil),
        ("retinamnist_32.npz", nil, nil),
        ("retinamnist_064.npz", nil, nil),
        ("retinamnist_.npz", nil, nil),
        ("PathMNIST.npz", nil, nil),
        ("pathmnist.npy", nil, nil),
        ("pathmnist", nil, nil),
        ("organmnist3d.npz", nil, nil),
        ("pathmnist_64.npz.part", nil, nil),
        (".npz", nil, nil),
    ]

    @Test(arguments: fileNames)
    func fileNamesParse(_ name: String, _ flag: MedMNISTFlag?, _ size: Int?) {
        let parsed = MedMNISTCatalog.parseFileName(name)
        #expect(parsed?.flag == flag)
        #expect(parsed?.size == size)
    }
}
