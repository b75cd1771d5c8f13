import Dispatch

/// `transform` applied to every element on all cores; results in input order.
func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
    let slots = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
    slots.initialize(repeating: nil)
    defer {
        slots.deinitialize()
        slots.deallocate()
    }
    nonisolated(unsafe) let output = slots
    items.withUnsafeBufferPointer { input in
        nonisolated(unsafe) let input = input
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            output[index] = transform(input[index])
        }
    }
    return slots.map { $0! }
}
