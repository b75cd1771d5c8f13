/// A discrete-event clock: events happen in virtual-time order, so a simulated federation's timing is
/// the same on any host. Ties at the same time keep the order in which they were scheduled.
public struct VirtualClock<Event>: Sendable where Event: Sendable {
    public private(set) var now: Double = 0
    private var heap: [(time: Double, sequence: Int, event: Event)] = []
    private var sequence = 0

    public init() {}

    /// Everything the clock holds, in a form a checkpoint can store: the time, the next sequence number,
    /// and the pending events with their times and sequence numbers (heap order).
    public struct Snapshot<Stored> {
        public var now: Double
        public var sequence: Int
        public var entries: [(time: Double, sequence: Int, event: Stored)]
    }

    public var snapshot: Snapshot<Event> { Snapshot(now: now, sequence: sequence, entries: heap) }

    /// The clock a snapshot describes; events then come out exactly as they would have.
    public init(_ snapshot: Snapshot<Event>) {
        now = snapshot.now
        sequence = snapshot.sequence
        heap = snapshot.entries
    }

    public var isEmpty: Bool { heap.isEmpty }
    /// When the earliest pending event happens.
    public var nextTime: Double? { heap.first?.time }
    public var pending: Int { heap.count }

    /// Schedules `event` `delay` seconds from now (delay ≥ 0).
    public mutating func schedule(_ event: Event, after delay: Double) {
        precondition(delay >= 0 && delay.isFinite, "an event cannot happen in the past or never")
        heap.append((now + delay, sequence, event))
        sequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.earlier(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes the earliest event and moves the clock to its time.
    public mutating func next() -> (time: Double, event: Event)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && Self.earlier(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.earlier(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        now = first.time
        return (first.time, first.event)
    }

    private static func earlier(_ a: (time: Double, sequence: Int, event: Event), _ b: (time: Double, sequence: Int, event: Event)) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }
}
