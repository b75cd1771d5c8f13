import Foundation
import Testing
import TestSupport

@testable import Datasets

/// Every layout and preset on a small generated folder of the same shape as the real one.
@Suite struct LayoutTests {
    @Test func imageFolderWithSplitFoldersKeepsThem() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        for (split, count) in [("train", 3), ("val", 1), ("test", 2)] {
            for name in ["benign", "malignant"] {
                for i in 0..<count { try DatasetFixtures.grayPNG("\(root)/\(split)/\(name)/nested/\(i).png", value: 1) }
            }
        }
        try DatasetFixtures.text(root + "/train/benign/README.txt", "not an image")
        let manifest = try LayoutSelection.manifest(source: root, kind: .auto, options: LayoutOptions())
        #expect(manifest.layout == "imagefolder")
        #expect(manifest.notes.first?.contains("chose imagefolder") == true)
        #expect(manifest.classes == ["benign", "malignant"])
        #expect(manifest.samples.count == 12)
        #expect(manifest.samples.filter { $0.split == .val }.count == 2)
        #expect(manifest.samples.filter { $0.split == .test && $0.labels == [1] }.count == 2)
        #expect(manifest.rejected.map(\.path) == ["train/benign/README.txt"])
    }

    @Test func csvWithMultiLabelOneHotAndRejectedRows() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        for name in ["a", "b", "c", "d"] { try DatasetFixtures.grayPNG("\(root)/images/\(name).png", value: 3) }
        try DatasetFixtures.grayPNG(directory.file("outside.png"), value: 3)
        try DatasetFixtures.text(
            root + "/meta/manifest.csv",
            """
            file,findings,subject,hospital,split
            ../images/a.png,Effusion|Mass,s1,H1,train
            ../images/b.png,,s2,H2,
            ../images/c.png,Mass,s3,H1,test
            ../../outside.png,Mass,s4,H1,
            ../images/missing.png,Mass,s5,H1,
            ../images/d.png,Mass,s6,H1,holdout

            """)
        var options = LayoutOptions(manifest: "meta/manifest.csv", pathColumn: "file", labelColumn: "findings", patientColumn: "subject")
        let manifest = try LayoutSelection.manifest(source: root, kind: .csv, options: options)
        #expect(manifest.multiLabel)
        #expect(manifest.classes == ["Effusion", "Mass"])
        #expect(manifest.samples.map(\.labels) == [[0, 1], [], [1]])
        #expect(manifest.samples.map(\.site) == ["H1", "H2", "H1"])
        #expect(manifest.samples.map(\.split) == [.train, nil, .test])
        #expect(manifest.rejected.count == 3)
        #expect(manifest.rejected.contains { $0.reason.contains("escapes the dataset root") })
        #expect(manifest.rejected.contains { $0.reason.contains("unknown split") })

        // One-hot columns.
        try DatasetFixtures.text(root + "/onehot.csv", "path,cat,dog,patient\nimages/a.png,1.0,0.0,x\nimages/b.png,1,1,y\n")
        options = LayoutOptions(manifest: "onehot.csv", oneHotColumns: ["cat", "dog"])
        let oneHot = try LayoutSelection.manifest(source: root, kind: .csv, options: options)
        #expect(oneHot.classes == ["cat", "dog"] && oneHot.multiLabel)
        #expect(oneHot.samples.map(\.labels) == [[0], [0, 1]])
    }

    /// Found by fuzz-manifest (ISIC) and by hand (one-hot): both made two classes of one name, and the
    /// csv layout then trapped on a duplicate dictionary key (`medsilo ingest --one-hot MEL,mel`).
    @Test func classColumnsNamedTwiceAreRefused() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try DatasetFixtures.grayPNG(root + "/a.png", value: 3)
        try DatasetFixtures.text(root + "/onehot.csv", "path,MEL,NV\na.png,1,0\n")
        for columns in [["MEL", "mel"], ["NV", "MEL", "NV"]] {
            let options = LayoutOptions(manifest: "onehot.csv", oneHotColumns: columns)
            #expect(throws: DatasetError.self) { try LayoutSelection.manifest(source: root, kind: .csv, options: options) }
        }
        let isic = directory.file("isic")
        try DatasetFixtures.grayPNG(isic + "/ISIC_0000000.jpg", value: 3)
        try DatasetFixtures.text(
            isic + "/ISIC_2019_Training_GroundTruth.csv", "image,MEL,NV,MEL\nISIC_0000000,0,0,1\n")
        let error = #expect(throws: DatasetError.self) {
            try LayoutSelection.manifest(source: isic, kind: .isic2019, options: LayoutOptions())
        }
        #expect(error?.reason == .malformedManifest("the header names column 'MEL' twice"))
    }

    /// Found by fuzz-manifest: `y|y` gave a sample the labels [1, 1] (and marked the data multi-label).
    @Test func aLabelListedTwiceIsOneLabel() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("src")
        try DatasetFixtures.grayPNG(root + "/a.png", value: 3)
        try DatasetFixtures.grayPNG(root + "/b.png", value: 3)
        try DatasetFixtures.text(root + "/labels.csv", "path,label\na.png,y|y\nb.png,x\n")
        let single = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        #expect(single.samples.map(\.labels) == [[1], [0]] && !single.multiLabel)
        try DatasetFixtures.text(root + "/labels.csv", "path,label\na.png,y|x|y\nb.png,x\n")
        let multi = try LayoutSelection.manifest(source: root, kind: .csv, options: LayoutOptions())
        #expect(multi.samples.map(\.labels) == [[0, 1], [0]] && multi.multiLabel)

        let nih = directory.file("nih")
        try DatasetFixtures.grayPNG(nih + "/images/00000001_000.png", value: 3)
        try DatasetFixtures.text(
            nih + "/Data_Entry_2017.csv", "Image Index,Finding Labels,Patient ID\n00000001_000.png,Mass|Mass|Edema,1\n")
        let findings = try LayoutSelection.manifest(source: nih, kind: .nihChestXray14, options: LayoutOptions())
        #expect(findings.samples.map(\.labels) == [[4, 9]])
    }

    @Test func csvNeedsItsColumns() throws {
        let directory = TemporaryDirectory()
        try DatasetFixtures.text(directory.file("labels.csv"), "file,label\nx.png,a\n")
        #expect(throws: DatasetError.self) {
            try LayoutSelection.manifest(source: directory.path, kind: .csv, options: LayoutOptions())
        }
    }

    @Test func ham10000GroupsByLesionAndTakesSitesFromTheDatasetColumn() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("ham")
        let rows = [
            ("HAM_0000001", "ISIC_0024306", "nv", "vidir_molemax"), ("HAM_0000001", "ISIC_0024307", "nv", "vidir_molemax"),
            ("HAM_0000002", "ISIC_0024308", "mel", "rosendahl"), ("HAM_0000003", "ISIC_0024309", "bkl", "vidir_modern"),
            ("HAM_0000004", "ISIC_0029999", "df", "vienna_dias"),
        ]
        var csv = "lesion_id,image_id,dx,dx_type,age,sex,localization,dataset\n"
        for (index, row) in rows.enumerated() {
            csv += "\(row.0),\(row.1),\(row.2),histo,\(index == 3 ? "" : "45.0"),female,lower extremity,\(row.3)\n"
            if index < 4 {
                try DatasetFixtures.rgbJPEG("\(root)/HAM10000_images_part_\(index < 2 ? 1 : 2)/\(row.1).jpg", rgb: (200, 100, 50))
            }
        }
        try DatasetFixtures.text(root + "/HAM10000_metadata.csv", csv)
        let manifest = try LayoutSelection.manifest(source: root, kind: .auto, options: LayoutOptions())
        #expect(manifest.layout == "ham10000")
        #expect(manifest.classes == ["bkl", "df", "mel", "nv"])
        #expect(manifest.samples.map(\.patient) == ["HAM_0000001", "HAM_0000001", "HAM_0000002", "HAM_0000003"])
        #expect(manifest.samples.map(\.site) == ["vidir_molemax", "vidir_molemax", "rosendahl", "vidir_modern"])
        #expect(manifest.rejected.count == 1 && manifest.rejected[0].reason.contains("ISIC_0029999"))
        #expect(manifest.grouping == "lesion")
    }

    @Test func isic2019ReadsOneHotCRLFAndDropsUnusedClasses() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("isic")
        let truth = "image,MEL,NV,BCC,AK,BKL,DF,VASC,SCC,UNK\r\nISIC_0000000,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\r\nISIC_0000001,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\r\nISIC_0000017_downsampled,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0\r\n"
        let meta = "image,age_approx,anatom_site_general,lesion_id,sex\r\nISIC_0000000,45,anterior torso,BCN_0000001,female\r\nISIC_0000001,,head/neck,,male\r\nISIC_0000017_downsampled,,,BCN_0000001,\r\n"
        try DatasetFixtures.text(root + "/ISIC_2019_Training_GroundTruth.csv", truth)
        try DatasetFixtures.text(root + "/ISIC_2019_Training_Metadata.csv", meta)
        for name in ["ISIC_0000000", "ISIC_0000001", "ISIC_0000017_downsampled"] {
            try DatasetFixtures.rgbJPEG("\(root)/ISIC_2019_Training_Input/\(name).jpg", rgb: (10, 20, 30))
        }
        try DatasetFixtures.text(root + "/ISIC_2019_Training_Input/LICENSE.txt", "license")
        let manifest = try LayoutSelection.manifest(source: root, kind: .auto, options: LayoutOptions())
        #expect(manifest.layout == "isic2019")
        #expect(manifest.classes == ["MEL", "NV", "SCC"])
        #expect(manifest.samples.map(\.labels) == [[1], [0], [2]])
        #expect(manifest.samples.map(\.patient) == ["BCN_0000001", nil, "BCN_0000001"])
        #expect(manifest.notes.last?.contains("dropped BCC,AK,BKL,DF,VASC,UNK") == true)
    }

    @Test func nihKeepsTheOfficialTestListAndReadsFindings() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("nih")
        let header = "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],\n"
        let rows = [
            ("00000001_000.png", "Cardiomegaly|Effusion", 1), ("00000001_001.png", "No Finding", 1),
            ("00000002_000.png", "Pleural_Thickening", 2), ("00000003_000.png", "Hernia|Mass", 3),
            ("00000004_000.png", "Emphysema", 4),
        ]
        var csv = header
        for (index, row) in rows.enumerated() {
            csv += "\(row.0),\(row.1),\(index),\(row.2),58,M,PA,2500,2048,0.168,0.168,\n"
            if index < 4 { try DatasetFixtures.grayPNG("\(root)/images_00\(index % 2 + 1)/images/\(row.0)", value: 9) }
        }
        try DatasetFixtures.text(root + "/Data_Entry_2017.csv", csv)
        try DatasetFixtures.text(root + "/test_list.txt", "00000003_000.png\n")
        try DatasetFixtures.text(root + "/train_val_list.txt", "00000001_000.png\n00000001_001.png\n00000002_000.png\n")
        let manifest = try LayoutSelection.manifest(source: root, kind: .auto, options: LayoutOptions())
        #expect(manifest.layout == "nih-chestxray14")
        #expect(manifest.multiLabel && manifest.classes.count == 14)
        let names = manifest.samples.map { $0.labels.map { manifest.classes[$0] } }
        #expect(names == [["Cardiomegaly", "Effusion"], [], ["Pleural_Thickening"], ["Mass", "Hernia"]])
        #expect(manifest.samples.map(\.split) == [nil, nil, nil, .test])
        #expect(manifest.samples.map(\.patient) == ["1", "1", "2", "3"])
        #expect(manifest.rejected.count == 1)
        // File names carry the patient number zero-padded: recorded paths replace that form too.
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("store"))
        let recorded = String(decoding: try readFile(directory.file("store/samples.csv")), as: UTF8.self)
        let failures = String(decoding: try readFile(directory.file("store/failures.csv")), as: UTF8.self)
        #expect(!recorded.contains("00000001_") && !recorded.contains("00000003_") && !failures.contains("00000004"))
        #expect(recorded.contains("images/p"))
    }

    @Test func rsnaJoinsDICOMFilesByPatientIDAndMergesBoxRows() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("rsna")
        let ids = ["0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000002", "0a1b2c3d-0000-4000-8000-000000000003"]
        for (index, id) in ids.enumerated() {
            try DatasetFixtures.ctDICOM("\(root)/stage_2_train_images/\(id).dcm", hu: index * 100, patientID: id)
        }
        try DatasetFixtures.ctDICOM("\(root)/stage_2_test_images/\(ids[0])-test.dcm", hu: 0, patientID: "unlabelled")
        try DatasetFixtures.text(
            root + "/stage_2_train_labels.csv",
            "patientId,x,y,width,height,Target\n\(ids[0]),,,,,0\n\(ids[1]),264,152,213,379,1\n\(ids[1]),562,152,256,453,1\n\(ids[2]),,,,,0\nffffffff-0000-4000-8000-000000000009,,,,,0\n")
        let manifest = try LayoutSelection.manifest(source: root, kind: .auto, options: LayoutOptions())
        #expect(manifest.layout == "rsna-pneumonia")
        #expect(manifest.classes == ["normal-or-other", "lung-opacity"])
        #expect(manifest.samples.count == 3)
        #expect(manifest.samples.map(\.labels) == [[0], [1], [0]])
        #expect(manifest.samples.map(\.patient) == ids)
        // The test images are not scanned; the label row without a file is reported.
        #expect(manifest.rejected.count == 1 && manifest.rejected[0].reason.contains("no DICOM file"))
    }

    @Test func dicomLayoutTakesSitesFromInstitutionName() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("pacs")
        let uids = ["1.2.3.1", "1.2.3.2", "1.2.3.3"]
        for (index, uid) in uids.enumerated() {
            try DatasetFixtures.ctDICOM(
                "\(root)/export/\(index)/IMG\(index)", hu: 0, patientID: "PID\(index / 2)",
                institution: index == 2 ? "St Elsewhere" : "General", sopUID: uid)
        }
        try DatasetFixtures.text(root + "/labels.csv", "sop,finding\n1.2.3.1,normal\n1.2.3.2,nodule\n1.2.3.3,nodule\n")
        let options = LayoutOptions(manifest: "labels.csv", labelColumn: "finding", dicomKey: .sopInstanceUID, keyColumn: "sop", siteAttribute: .institutionName)
        let manifest = try LayoutSelection.manifest(source: root, kind: .dicom, options: options)
        #expect(manifest.classes == ["nodule", "normal"])
        #expect(manifest.samples.map(\.labels) == [[1], [0], [0]])
        #expect(manifest.samples.map(\.site) == ["General", "General", "St Elsewhere"])
        #expect(manifest.samples.map(\.patient) == ["PID0", "PID0", "PID1"])
        // Ingest and check that no PatientID reaches the store.
        _ = try DatasetFixtures.ingest(manifest, to: directory.file("store"))
        for (name, bytes) in try DatasetFixtures.allFiles(directory.file("store")) {
            #expect(!String(decoding: bytes, as: UTF8.self).contains("PID"), "\(name)")
        }
    }

    @Test func chexpertResolvesPathsAndMapsUncertainLabelsByPolicy() throws {
        let directory = TemporaryDirectory()
        let parent = directory.file("data")
        let release = parent + "/CheXpert-v1.0-small"
        let header = "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices\n"
        let train = header
            + "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,,,1.0,,,-1.0,,,,0.0,,,,1.0\n"
            + "CheXpert-v1.0-small/train/patient00001/study1/view2_lateral.jpg,Female,68,Lateral,,,,1.0,,,-1.0,,,,0.0,,,,1.0\n"
            + "CheXpert-v1.0-small/train/patient00002/study1/view1_frontal.jpg,Male,50,Frontal,PA,1.0,,,,,,,,,,,,,\n"
        let valid = header + "CheXpert-v1.0-small/valid/patient64541/study1/view1_frontal.jpg,Male,55,Frontal,PA,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"
        try DatasetFixtures.text(release + "/train.csv", train)
        try DatasetFixtures.text(release + "/valid.csv", valid)
        for path in ["train/patient00001/study1/view1_frontal.jpg", "train/patient00001/study1/view2_lateral.jpg", "train/patient00002/study1/view1_frontal.jpg", "valid/patient64541/study1/view1_frontal.jpg"] {
            try DatasetFixtures.grayPNG(release + "/" + path, value: 5)  // PNG bytes under .jpg names decode by content
        }
        for root in [parent, release] {
            let ones = try LayoutSelection.manifest(source: root, kind: .auto, options: LayoutOptions())
            #expect(ones.layout == "chexpert")
            let names = ones.samples.map { $0.labels.map { ones.classes[$0] } }
            #expect(names == [["Cardiomegaly", "Edema", "Support Devices"], ["Cardiomegaly", "Edema", "Support Devices"], ["No Finding"], ["Cardiomegaly"]])
            #expect(ones.samples.map(\.patient) == ["patient00001", "patient00001", "patient00002", "patient64541"])
            #expect(ones.samples.map(\.split) == [nil, nil, nil, .val])
        }
        let zeros = try LayoutSelection.manifest(
            source: parent, kind: .chexpert, options: LayoutOptions(uncertainPolicy: .zeros, frontalOnly: true))
        #expect(zeros.samples.count == 3)
        #expect(zeros.samples[0].labels.map { zeros.classes[$0] } == ["Cardiomegaly", "Support Devices"])
    }

    @Test func autoSaysWhenItCannotTell() throws {
        let directory = TemporaryDirectory()
        try DatasetFixtures.text(directory.file("a.txt"), "x")
        #expect(throws: DatasetError.self) {
            try LayoutSelection.manifest(source: directory.path, kind: .auto, options: LayoutOptions())
        }
        // A folder of datasets (each with its labels.csv) is not taken as classes.
        let suite = TemporaryDirectory()
        for task in ["ct", "derm"] {
            try DatasetFixtures.grayPNG(suite.file("\(task)/a.png"), value: 1)
            try DatasetFixtures.text(suite.file("\(task)/labels.csv"), "path,label\na.png,x\n")
        }
        do {
            _ = try LayoutSelection.manifest(source: suite.path, kind: .auto, options: LayoutOptions())
            Issue.record("a folder of datasets was accepted")
        } catch {
            #expect(error.reason.description.contains("each hold a labels.csv"))
        }
    }
}
