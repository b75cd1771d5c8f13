import Foundation
import Testing
import TestSupport

@testable import Datasets

@Suite struct PseudonymizerTests {
    @Test func pseudonymIsTheHMACSHA256PrefixOfRFC4231() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?",
        // HMAC-SHA-256 = 5bdcc146bf60754e6a042426089575c7…
        let pseudonymizer = Pseudonymizer(key: Array("Jefe".utf8))
        #expect(pseudonymizer.pseudonym("what do ya want for nothing?") == "p5bdcc146bf60754e6a04")
    }

    @Test func differentKeysGiveUnlinkablePseudonyms() {
        let a = Pseudonymizer(key: Array(repeating: 1, count: 32))
        let b = Pseudonymizer(key: Array(repeating: 2, count: 32))
        #expect(a.pseudonym("12345") == a.pseudonym("12345"))
        #expect(a.pseudonym("12345") != b.pseudonym("12345"))
        #expect(a.pseudonym("12345") != a.pseudonym("12346"))
    }

    @Test func redactionReplacesWholeTokensOnly() {
        let p = Pseudonymizer(key: [1, 2, 3])
        #expect(p.redact("train/patient00042/study1/view1.jpg", identifier: "patient00042", pseudonym: "pX") == "train/pX/study1/view1.jpg")
        #expect(p.redact("abc-123/abc-1234.dcm", identifier: "abc-123", pseudonym: "pX") == "pX/abc-1234.dcm")
        #expect(p.redact("a/12/b.png", identifier: "12", pseudonym: "pX") == "a/12/b.png")
    }
}

@Suite struct PathGuardTests {
    @Test func pathsThatLeaveTheRootAreRefused() throws {
        let directory = TemporaryDirectory()
        let root = directory.file("root")
        try DatasetFixtures.text(root + "/inside/a.png", "x")
        try DatasetFixtures.text(directory.file("outside/secret.png"), "x")
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: directory.file("outside"))
        let guardian = try PathGuard(root: root)
        #expect(try guardian.resolve("inside/a.png").get().hasSuffix("/root/inside/a.png"))
        #expect(try guardian.resolve("inside/../inside/a.png").get().hasSuffix("/root/inside/a.png"))
        for escaping in ["../outside/secret.png", "inside/../../outside/secret.png", directory.file("outside/secret.png"), "link/secret.png"] {
            guard case .failure(let error) = guardian.resolve(escaping) else {
                Issue.record("\(escaping) was accepted")
                continue
            }
            guard case .pathEscapesRoot = error.reason else {
                Issue.record("\(escaping): \(error.reason)")
                continue
            }
        }
    }
}
