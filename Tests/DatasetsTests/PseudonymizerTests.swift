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

/// SHA-256 and HMAC-SHA256 from libcrypto against the published test vectors.
@Suite struct DigestsTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// FIPS 180-2's "abc", the empty message, and the two-block 448-bit message; a streamed hash in
    /// uneven pieces equals the one-shot hash.
    @Test func sha256MatchesTheStandardsExamples() {
        #expect(Self.hex(Digests.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex(Digests.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Self.hex(Digests.sha256(message)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let hasher = SHA256Hasher()
        hasher.update(Array(message[..<5]))
        hasher.update([])
        hasher.update(Array(message[5...]))
        #expect(hasher.finalize() == Digests.sha256(message))
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block, hashed first).
    @Test func hmacSHA256MatchesRFC4231() {
        #expect(
            Self.hex(Digests.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            Self.hex(Digests.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            Self.hex(Digests.hmacSHA256(key: [UInt8](repeating: 0xaa, count: 131), message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}
