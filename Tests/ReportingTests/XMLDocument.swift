import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG (or any XML) read back with Foundation's parser: whether it is well-formed, and its elements in
/// document order with their attributes and direct text, so tests check what a reader sees, not substrings.
final class ParsedXML: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []
    private(set) var errors: [Error] = []
    private(set) var wellFormed = false

    /// Well-formed means no error at all: swift-corelibs-foundation's `parse()` returns true for a document
    /// cut short ("<svg><text>a</svg>") or with content after the root, reporting those only as errors.
    init(_ text: String) {
        super.init()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = self
        let parsed = parser.parse()
        wellFormed = parsed && parser.parserError == nil && errors.isEmpty && open.isEmpty
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        errors.append(parseError)
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }
    var texts: [String] { all("text").map(\.text) }
}

func number(_ attribute: String?) -> Double? { attribute.flatMap(Double.init) }

/// The "M x y L x y x y …" runs of an SVG path (the forms `SVGPlot` writes), as lists of points.
func subpaths(_ d: String) -> [[(x: Double, y: Double)]] {
    d.split(separator: "M").map { run in
        let numbers = run.replacingOccurrences(of: "L", with: " ").replacingOccurrences(of: "h0", with: "")
            .split(separator: " ").compactMap { Double($0) }
        return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
    }
}
