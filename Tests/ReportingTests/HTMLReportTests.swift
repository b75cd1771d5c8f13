import Foundation
import Testing

import Reporting

@Suite struct HTMLReportTests {
    static func report() -> String {
        var report = HTMLReport(title: "Audit <derm> & co")
        report.heading("Membership", level: 2)
        report.paragraph("AUC < 0.55 & \"near chance\" <script>alert(1)</script>")
        report.figure(
            SVGPlot.lineChart(title: "ROC", series: [Series("a", [PlotPoint(0, 0), PlotPoint(1, 1)])], x: Axis("FPR"),
                              y: Axis("TPR"), diagonal: true),
            caption: "ROC <curves>")
        report.raw(Table(header: ["m", "AUC"], rows: [["AFU-IC", "0.51"]]).html())
        report.heading("deep", level: 9)
        return report.render()
    }

    @Test func selfContainedDocument() {
        let html = Self.report()
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        #expect(html.contains("<meta charset=\"utf-8\">") && html.contains("<style>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(!html.lowercased().contains("<script"))
        let links = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!links.contains("http://") && !links.contains("https://"))
        #expect(!html.contains("src=") && !html.contains("<link"))
    }

    @Test func textIsEscaped() {
        let html = Self.report()
        #expect(html.contains("<title>Audit &lt;derm&gt; &amp; co</title>"))
        #expect(html.contains("<h1>Audit &lt;derm&gt; &amp; co</h1>"))
        #expect(html.contains("<p>AUC &lt; 0.55 &amp; &quot;near chance&quot; &lt;script&gt;alert(1)&lt;/script&gt;</p>"))
        #expect(html.contains("<figcaption>ROC &lt;curves&gt;</figcaption>"))
        #expect(html.contains("<h2>Membership</h2>") && html.contains("<h6>deep</h6>"))
        #expect(html.contains("<svg xmlns=") && html.contains("<td style=\"text-align:left\">AFU-IC</td>"))
    }
}
