import Testing

import Auditing

/// An RFC 4180 reader written for the test, independent of the writer: fields split on commas outside
/// quotes, "" inside quotes is one quote, records end at LF outside quotes.
private func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = [], record: [String] = [], field = ""
    let characters = Array(text)
    var quoted = false, i = 0
    while i < characters.count {
        let c = characters[i]
        if quoted {
            if c == "\"" {
                if i + 1 < characters.count && characters[i + 1] == "\"" {
                    field.append("\"")
                    i += 1
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            record.append(field)
            field = ""
        } else if c == "\n" {
            record.append(field)
            records.append(record)
            record = []
            field = ""
        } else {
            field.append(c)
        }
        i += 1
    }
    return records
}

/// The per-sample score CSV: exact text for a plain table, and a round trip of awkward ids and scores.
@Suite struct ScoreTableTests {
    @Test func plainTableText() {
        var table = ScoreTable(ids: ["a1", "b2"], labels: [0, 2], isMember: [true, false])
        table.append("loss", scores: [-0.25, -3])
        table.append("lira_online", scores: [4.5, 1e-05])
        #expect(table.csv == "id,label,member,loss,lira_online\na1,0,1,-0.25,4.5\nb2,2,0,-3.0,1e-05\n")
        #expect(table.csvBytes == Array(table.csv.utf8))
    }

    /// Ids with a comma, quotes, a line break, CRLF, surrounding spaces, an empty one and non-ASCII text
    /// come back as they were; so do column names that need quotes, and every score as the same Double.
    @Test func awkwardIdsAndScoresRoundTrip() {
        let ids = ["h3/0001.jpg", "scan, left", "say \"hi\"", "two\nlines", "crlf\r\nend", " padded ", "", "Zürich-é-🫀"]
        let scores = [0.1, -1e-300, 123456789.123, -0.0, .infinity, -.infinity, 2.5e-17, 1.0 / 3]
        let table = ScoreTable(
            ids: ids, labels: Array(0..<ids.count), isMember: ids.indices.map { $0 % 2 == 0 },
            columns: [ScoreTable.Column(name: "loss, clamped", scores: scores),
                      ScoreTable.Column(name: "entropy", scores: scores.reversed())])
        let records = parseCSV(table.csv)
        #expect(records.count == ids.count + 1)
        #expect(records[0] == ["id", "label", "member", "loss, clamped", "entropy"])
        for (row, record) in records.dropFirst().enumerated() {
            #expect(record.count == 5)
            #expect(record[0] == ids[row])
            #expect(Int(record[1]) == row)
            #expect(record[2] == (row % 2 == 0 ? "1" : "0"))
            #expect(Double(record[3]).map { $0.bitPattern } == scores[row].bitPattern)
            #expect(Double(record[4]) == scores.reversed()[row])
        }
        // Only the fields that need it are quoted.
        #expect(table.csv.contains("\nh3/0001.jpg,0,1,"))
        #expect(table.csv.contains("\n\"scan, left\",1,0,"))
        #expect(table.csv.contains("\n\"say \"\"hi\"\"\",2,1,"))
        #expect(table.csv.contains("\n\" padded \",5,0,"))
        #expect(table.csv.contains("\n,6,1,"))
    }

    @Test func notANumberIsWrittenAsNan() {
        let table = ScoreTable(ids: ["x"], labels: [1], isMember: [false],
                               columns: [ScoreTable.Column(name: "s", scores: [.nan])])
        #expect(table.csv == "id,label,member,s\nx,1,0,nan\n")
    }
}
