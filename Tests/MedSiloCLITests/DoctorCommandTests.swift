import Foundation
import Testing
import TestSupport

/// `medsilo doctor` and `medsilo --version` end to end: the backend report scripts read.
@Suite struct DoctorCommandTests {
    @Test func doctorReportsTheBackendAndPassesItsSelfCheck() throws {
        let result = try CLITests.medsilo("doctor", "--json", "--seconds", "0.05", "--size", "64")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try CLITests.jsonLines(result.stdout).first)
        let backend = try #require(report["backend"] as? [String: Any])
        #expect(["openblas", "fallback"].contains(backend["kind"] as? String))
        #expect((backend["kernel"] as? String)?.isEmpty == false && (backend["selection"] as? String)?.isEmpty == false)
        #expect((backend["threads"] as? Int ?? 0) >= 1)
        #expect(report["selfCheckPassed"] as? Bool == true)
        #expect((report["gflops"] as? Double ?? 0) > 0)
        #expect(report["status"] as? String == (backend["kind"] as? String == "openblas" ? "ok" : "fallback"))
        #expect(report["cpu"] != nil)
    }

    @Test func doctorSaysClearlyWhenNoBLASLibraryIsInUse() throws {
        let json = try run("/usr/bin/env", ["MEDSILO_BLAS=fallback", CLITests.binary, "doctor", "--json", "--seconds", "0.05", "--size", "32"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try CLITests.jsonLines(json.stdout).first)
        #expect(report["status"] as? String == "fallback")
        #expect((report["backend"] as? [String: Any])?["kind"] as? String == "fallback")
        let text = try run("/usr/bin/env", ["MEDSILO_BLAS=fallback", CLITests.binary, "doctor", "--seconds", "0.05", "--size", "32"])
        #expect(text.stdout.contains("NO BLAS LIBRARY IN USE") && text.stdout.contains("MEDSILO_BLAS=fallback"))
    }

    @Test func versionNamesTheBackend() throws {
        let result = try CLITests.medsilo("--version")
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("0.1.0\nBLAS: "), "\(result.stdout)")
        #expect(result.stdout.contains("kernel"))
    }
}
