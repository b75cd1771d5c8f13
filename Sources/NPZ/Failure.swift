/// A reason without its file: thrown by the parsers of byte buffers, which do not know the path, and
/// turned into an `NPZError` by their caller.
struct Failure: Error {
    var reason: NPZError.Reason
    init(_ reason: NPZError.Reason) { self.reason = reason }
}
