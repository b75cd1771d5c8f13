/// One data point of a line chart.
public struct PlotPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// One line of a line chart, named in the legend; `dashed` draws it dashed (e.g. a baseline or a reference).
public struct Series: Sendable {
    public var name: String
    public var points: [PlotPoint]
    public var dashed: Bool = false

    public init(_ name: String, _ points: [PlotPoint], dashed: Bool = false) {
        self.name = name
        self.points = points
        self.dashed = dashed
    }
}

/// An axis of a line chart: its label, whether it is logarithmic (base 10), and an optional fixed range.
/// Without a range (or with one that cannot be used: not increasing, infinite span, or ≤ 0 on a log axis)
/// the range is fitted to the data and rounded out to whole tick steps or decades.
public struct Axis: Sendable {
    public var label: String
    public var logarithmic: Bool = false
    public var range: ClosedRange<Double>? = nil

    public init(_ label: String, logarithmic: Bool = false, range: ClosedRange<Double>? = nil) {
        self.label = label
        self.logarithmic = logarithmic
        self.range = range
    }
}

/// A vertical dashed line at `x` with a label at its top, e.g. the round of an unlearning "request".
public struct Marker: Sendable {
    public var x: Double
    public var label: String

    public init(x: Double, label: String) {
        self.x = x
        self.label = label
    }
}
