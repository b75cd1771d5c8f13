/// A report as one self-contained HTML5 file: headings, paragraphs, figures and tables in order, with an
/// inline style sheet and no scripts or external resources, so it opens offline and can be mailed or archived
/// as it is.
public struct HTMLReport: Sendable {
    public var title: String
    /// The body's blocks of HTML, in order.
    var blocks: [String] = []

    public init(title: String) {
        self.title = title
    }

    /// A heading `<h1>`…`<h6>` (the level clamped to 1…6); the document title is the only `<h1>` by default.
    public mutating func heading(_ text: String, level: Int = 2) {
        let level = min(max(level, 1), 6)
        blocks.append("<h\(level)>\(Markup.escape(text))</h\(level)>")
    }

    /// A paragraph of plain text, escaped.
    public mutating func paragraph(_ text: String) {
        blocks.append("<p>\(Markup.escape(text))</p>")
    }

    /// HTML inserted as it is, e.g. an SVG string or `Table.html()`. Not checked: the caller vouches for it.
    public mutating func raw(_ html: String) {
        blocks.append(html)
    }

    /// An SVG (inserted as it is) with an escaped caption below it.
    public mutating func figure(_ svg: String, caption: String) {
        blocks.append("<figure>\n\(svg)\n<figcaption>\(Markup.escape(caption))</figcaption>\n</figure>")
    }

    /// The whole document.
    public func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Markup.escape(title))</title>
        <style>
        \(Self.style)
        </style>
        </head>
        <body>
        <h1>\(Markup.escape(title))</h1>
        \(blocks.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    static let style = """
        body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
        h1, h2, h3 { line-height: 1.2; }
        figure { margin: 1.5rem 0; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { font-size: 0.9rem; color: #555; }
        table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
        th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; }
        th { border-bottom: 2px solid #999; }
        """
}
