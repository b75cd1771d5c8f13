import Dispatch

/// Runs independent jobs on worker threads and returns their results in job order.
///
/// Contract: `body(i)` is called once for each i in 0..<count, concurrently, and must not depend on
/// the others; the result array is the same whatever `threads` is (nil: one per core, via
/// `DispatchQueue.concurrentPerform`; 1: serial on the caller's thread; k: k strided workers).
enum Parallel {
    static func map<T: Sendable>(_ count: Int, threads: Int?, _ body: @Sendable (Int) -> T) -> [T] {
        if threads == 1 || count < 2 { return (0..<count).map(body) }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize().deallocate() }
        let shared = Slots(buffer: slots)
        if let threads {
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                for i in stride(from: worker, to: count, by: threads) { shared.buffer[i] = body(i) }
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: count) { i in shared.buffer[i] = body(i) }
        }
        return slots.map { $0! }
    }

    /// Each worker writes only its own indices, so sharing the buffer is safe.
    private struct Slots<T>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<T?>
    }
}
