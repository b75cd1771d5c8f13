/// Where each named parameter tensor lives in the model's one flat buffer.
///
/// All learned parameters of a model are laid out back to back in one `[Float]`, in the order layers
/// declare them; gradients and optimiser state use the same layout. Federation arithmetic (averages,
/// deltas, norms, projections) is then plain vector arithmetic on whole models, and a named view finds
/// one tensor (e.g. "conv1.weight") for saving in PyTorch's naming.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
        public var range: Range<Int> { offset..<offset + count }
    }

    public private(set) var entries: [Entry] = []
    public private(set) var count = 0

    public init() {}

    /// Adds a tensor of `shape` named `name` and returns where it lives.
    @discardableResult
    public mutating func add(_ name: String, shape: [Int]) -> Entry {
        precondition(!entries.contains { $0.name == name }, "parameter \(name) declared twice")
        let entry = Entry(name: name, shape: shape, offset: count)
        entries.append(entry)
        count += entry.count
        return entry
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }
}

/// A model's learned parameters and their gradients, each one flat buffer in `layout` order.
public struct Parameters: Sendable, Equatable {
    public var layout: ParameterLayout
    public var values: [Float]
    public var gradients: [Float]

    public init(layout: ParameterLayout) {
        self.layout = layout
        values = [Float](repeating: 0, count: layout.count)
        gradients = [Float](repeating: 0, count: layout.count)
    }

    /// The values of the tensor named `name`.
    public subscript(name: String) -> ArraySlice<Float> {
        get { values[layout.entry(name)!.range] }
        set { values[layout.entry(name)!.range] = newValue }
    }

    public mutating func zeroGradients() {
        for i in gradients.indices { gradients[i] = 0 }
    }
}
