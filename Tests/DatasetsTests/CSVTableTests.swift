import Testing

@testable import Datasets

@Suite struct CSVTableTests {
    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let text = "\u{FEFF}path,label,note\r\na.png,cat,\"x, y\"\r\n\"b c.png\",dog,\"say \"\"hi\"\"\nsecond line\"\r\n"
        let table = try CSVTable(bytes: Array(text.utf8), path: "m.csv")
        #expect(table.header == ["path", "label", "note"])
        #expect(table.rows.map(\.fields) == [["a.png", "cat", "x, y"], ["b c.png", "dog", "say \"hi\"\nsecond line"]])
        #expect(table.rows.map(\.line) == [2, 3])
        #expect(table.badRows.isEmpty)
    }

    @Test func rowsWithTheWrongFieldCountAreSetAsideWithTheirLine() throws {
        let text = "a,b\n1,2\n3\n4,5,6\n7,8,,\n\n9,10"
        let table = try CSVTable(bytes: Array(text.utf8), path: "m.csv")
        #expect(table.rows.map(\.fields) == [["1", "2"], ["7", "8"], ["9", "10"]])
        #expect(table.badRows.map(\.line) == [3, 4])
    }

    @Test func anUnclosedQuoteIsAnErrorNamingItsLine() {
        let text = "a,b\n1,2\n\"3,4\n5,6\n"
        #expect(throws: DatasetError(path: "m.csv:3", .malformedManifest("a quoted field is never closed"))) {
            try CSVTable(bytes: Array(text.utf8), path: "m.csv")
        }
    }

    @Test func headerLookupIgnoresCaseAndSpaces() throws {
        let table = try CSVTable(bytes: Array(" Path , Label\nx,y\n".utf8), path: "m.csv")
        #expect(table.column("path") == 0)
        #expect(table.column(anyOf: ["site", "LABEL"]) == 1)
        #expect(throws: DatasetError.self) { try table.requireColumn("patient") }
    }

    @Test func emptyInputHasNoHeader() {
        #expect(throws: DatasetError.self) { try CSVTable(bytes: [], path: "m.csv") }
    }
}
