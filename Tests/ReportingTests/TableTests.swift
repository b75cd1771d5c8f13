import Testing

import Reporting

@Suite struct TableTests {
    static let table = Table(
        header: ["method", "AUC"],
        rows: [["a|b", "0.5"], ["x, \"y\"", "1 < 2 & 3"], ["two\nlines", "c\\d"], ["short"]])

    @Test func markdownByHand() {
        #expect(Self.table.markdown() == """
            | method | AUC |
            | :--- | ---: |
            | a\\|b | 0.5 |
            | x, "y" | 1 < 2 & 3 |
            | two<br>lines | c\\\\d |
            | short |  |

            """)
    }

    @Test func htmlByHand() {
        #expect(Self.table.html() == """
            <table>
            <thead>
            <tr><th style="text-align:left">method</th><th style="text-align:right">AUC</th></tr>
            </thead>
            <tbody>
            <tr><td style="text-align:left">a|b</td><td style="text-align:right">0.5</td></tr>
            <tr><td style="text-align:left">x, &quot;y&quot;</td><td style="text-align:right">1 &lt; 2 &amp; 3</td></tr>
            <tr><td style="text-align:left">two<br>lines</td><td style="text-align:right">c\\d</td></tr>
            <tr><td style="text-align:left">short</td><td style="text-align:right"></td></tr>
            </tbody>
            </table>

            """)
    }

    @Test func csvByHand() {
        #expect(Self.table.csv() == "method,AUC\na|b,0.5\n\"x, \"\"y\"\"\",1 < 2 & 3\n\"two\nlines\",c\\d\nshort,\n")
        #expect(Table(header: ["a"], rows: [["cr\rhere"], ["crlf\r\nhere"], ["\""]]).csv()
            == "a\n\"cr\rhere\"\n\"crlf\r\nhere\"\n\"\"\"\"\n")
    }

    @Test func crAndCRLFAreOneLineBreak() {
        let table = Table(header: ["a"], rows: [["1\r\n2\r3"]])
        #expect(table.markdown().contains("| 1<br>2<br>3 |"))
        #expect(table.html().contains(">1<br>2<br>3<"))
    }

    @Test func rowsWiderThanTheHeaderArePadded() {
        let table = Table(header: ["a"], rows: [["1", "2"]])
        #expect(table.csv() == "a,\n1,2\n")
        #expect(table.markdown() == "| a |  |\n| :--- | ---: |\n| 1 | 2 |\n")
    }
}
