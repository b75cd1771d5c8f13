import Yams

/// The fields a config mapping may hold, so that a misspelt field is an error rather than a silently
/// ignored line.
indirect enum ConfigSchema: Sendable {
    /// A scalar or a list of scalars.
    case value
    /// A mapping with free keys (hospital indices).
    case free
    case mapping([String: ConfigSchema])
    /// A list of mappings of one schema.
    case list(ConfigSchema)

    var fieldNames: String {
        guard case .mapping(let fields) = self else { return "" }
        return fields.keys.sorted().joined(separator: ", ")
    }
}

/// Reads YAML (or JSON) configs into Decodable values, checking fields against a schema first and
/// turning decoding errors into one message that names the field.
enum ConfigReader {
    static func decode<T: Decodable>(_ type: T.Type, from text: String, schema: ConfigSchema, fields: String) throws(ConfigError) -> T {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError("", "not YAML or JSON (\(error))")
        }
        guard let node, node.mapping != nil else { throw ConfigError("", "the config must be a mapping of fields (\(fields))") }
        try checkFields(node, schema: schema, path: "")
        do {
            return try YAMLDecoder().decode(T.self, from: textKeys(node))
        } catch let error as DecodingError {
            throw ConfigError.from(error)
        } catch {
            throw ConfigError("", "\(error)")
        }
    }

    /// The node with every mapping key untagged: JSON's `"3":` is a string key, which the decoder (it
    /// looks keys up by their resolved tag) would not find under the name 3.
    static func textKeys(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            let pairs = mapping.map { key, value in (Node(key.string ?? "\(key)", Tag(.implicit)), textKeys(value)) }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(textKeys), sequence.tag, sequence.style))
        default:
            return node
        }
    }

    static func checkFields(_ node: Node, schema: ConfigSchema, path: String) throws(ConfigError) {
        if case .list(let item) = schema {
            guard let sequence = node.sequence else { throw ConfigError(path, "must be a list") }
            for (i, element) in sequence.enumerated() {
                let field = "\(path).\(i)"
                if case .mapping = item, element.mapping == nil { throw ConfigError(field, "must be a mapping of fields (\(item.fieldNames))") }
                try checkFields(element, schema: item, path: field)
            }
            return
        }
        guard case .mapping(let fields) = schema, let mapping = node.mapping else { return }
        for (key, value) in mapping {
            guard let name = key.string else { throw ConfigError(path, "a field name must be text") }
            let field = path.isEmpty ? name : "\(path).\(name)"
            guard let inner = fields[name] else {
                throw ConfigError(field, "unknown field (known here: \(fields.keys.sorted().joined(separator: ", ")))")
            }
            if case .mapping = inner, value.mapping == nil, !(value.scalar.map { $0.string == "~" || $0.string == "null" } ?? false) {
                throw ConfigError(field, "must be a mapping of fields (\(inner.fieldNames))")
            }
            try checkFields(value, schema: inner, path: field)
        }
    }
}
