// Quarry — a bounded, multi-producer multi-consumer async channel with back-pressure.

import Foundation

/// Why a channel operation could not complete.
public enum ChannelError: Error, Equatable, CustomStringConvertible {
    /// `send` was called after `finish()` or `fail(_:)`.
    case closed

    public var description: String { "channel is closed" }
}

/// A FIFO channel holding at most `capacity` elements.
///
/// `send` suspends while the buffer is full, `receive` suspends while it is empty.
/// `finish()` lets receivers drain what is buffered and then see `nil`; `fail(_:)` wakes
/// every waiter at once with the error. A waiting task that is cancelled leaves with
/// `CancellationError` and its element (if it was sending) is not delivered.
///
/// The state lives in a struct guarded by `lock`; every continuation is resumed after
/// the lock is released.
public final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    public let capacity: Int
    private let lock = NSLock()
    private var state: State

    public init(capacity: Int) {
        precondition(capacity >= 1, "a bounded channel needs room for one element")
        self.capacity = capacity
        self.state = State(capacity: capacity)
    }

    /// Number of elements buffered now (for tests and progress reports).
    public var count: Int { lock.withLock { state.buffer.count } }

    /// Appends `element`, suspending while the channel is full.
    ///
    /// - Throws: `ChannelError.closed` once finished, the failure after `fail(_:)`,
    ///   `CancellationError` if the calling task is cancelled while waiting.
    public func send(_ element: Element) async throws {
        // Fast path: room in the buffer or a receiver waiting, no suspension needed.
        if !Task.isCancelled, let action = lock.withLock({ state.trySend(element) }) {
            action.run()
            return
        }
        try Task.checkCancellation()
        let id = lock.withLock { state.nextID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, Error>) in
                let action = lock.withLock { state.send(element, id: id, continuation: cont) }
                action.run()
            }
        } onCancel: {
            let action = lock.withLock { state.cancelSender(id: id) }
            action.run()
        }
    }

    /// Takes the oldest element, suspending while the channel is empty.
    ///
    /// - Returns: `nil` once the channel is finished and drained.
    public func receive() async throws -> Element? {
        // Fast path: something buffered (or the end known), no suspension needed.
        if !Task.isCancelled, let (result, action) = lock.withLock({ state.tryReceive() }) {
            action.run()
            return try result.get()
        }
        try Task.checkCancellation()
        let id = lock.withLock { state.nextID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Element?, Error>) in
                let action = lock.withLock { state.receive(id: id, continuation: cont) }
                action.run()
            }
        } onCancel: {
            let action = lock.withLock { state.cancelReceiver(id: id) }
            action.run()
        }
    }

    /// Ends the stream: receivers get what is buffered, then `nil`.
    public func finish() {
        let action = lock.withLock { state.close(with: nil) }
        action.run()
    }

    /// Ends the stream with `error`: every waiter and later call sees it.
    public func fail(_ error: Error) {
        let action = lock.withLock { state.close(with: error) }
        action.run()
    }
}

// MARK: - State machine

extension BoundedChannel {
    /// Work to do after the lock is released: resume continuations.
    struct Action {
        var resumeSenders: [(CheckedContinuation<Void, Error>, Result<Void, Error>)] = []
        var resumeReceivers: [(CheckedContinuation<Element?, Error>, Result<Element?, Error>)] = []

        func run() {
            for (c, r) in resumeSenders { c.resume(with: r) }
            for (c, r) in resumeReceivers { c.resume(with: r) }
        }
    }

    struct State {
        struct Sender {
            var id: UInt64
            var element: Element
            var continuation: CheckedContinuation<Void, Error>
        }
        struct Receiver {
            var id: UInt64
            var continuation: CheckedContinuation<Element?, Error>
        }

        let capacity: Int
        var buffer = Ring<Element>()
        var senders = Ring<Sender>()
        var receivers = Ring<Receiver>()
        var closed = false
        var failure: Error?
        var cancelledIDs = Set<UInt64>()
        var counter: UInt64 = 0

        init(capacity: Int) { self.capacity = capacity }

        mutating func nextID() -> UInt64 {
            counter &+= 1
            return counter
        }

        /// Completes a send without waiting when it can; nil when the caller must suspend.
        mutating func trySend(_ element: Element) -> Action? {
            if closed || buffer.count >= capacity && receivers.count == 0 { return nil }
            var action = Action()
            if let receiver = receivers.popFirst() {
                action.resumeReceivers.append((receiver.continuation, .success(element)))
            } else {
                buffer.append(element)
            }
            return action
        }

        /// Completes a receive without waiting when it can; nil when the caller must suspend.
        mutating func tryReceive() -> (Result<Element?, Error>, Action)? {
            var action = Action()
            if let failure { return (.failure(failure), action) }
            if let element = buffer.popFirst() {
                admitWaitingSenders(into: &action)
                return (.success(element), action)
            }
            if closed { return (.success(nil), action) }
            return nil
        }

        mutating func send(_ element: Element, id: UInt64, continuation: CheckedContinuation<Void, Error>) -> Action {
            var action = Action()
            if cancelledIDs.remove(id) != nil {
                action.resumeSenders.append((continuation, .failure(CancellationError())))
            } else if closed {
                action.resumeSenders.append((continuation, .failure(failure ?? ChannelError.closed)))
            } else if let receiver = receivers.popFirst() {
                action.resumeReceivers.append((receiver.continuation, .success(element)))
                action.resumeSenders.append((continuation, .success(())))
            } else if buffer.count < capacity {
                buffer.append(element)
                action.resumeSenders.append((continuation, .success(())))
            } else {
                senders.append(Sender(id: id, element: element, continuation: continuation))
            }
            return action
        }

        mutating func receive(id: UInt64, continuation: CheckedContinuation<Element?, Error>) -> Action {
            var action = Action()
            if cancelledIDs.remove(id) != nil {
                action.resumeReceivers.append((continuation, .failure(CancellationError())))
            } else if let failure {
                action.resumeReceivers.append((continuation, .failure(failure)))
            } else if let element = buffer.popFirst() {
                action.resumeReceivers.append((continuation, .success(element)))
                admitWaitingSenders(into: &action)
            } else if closed {
                action.resumeReceivers.append((continuation, .success(nil)))
            } else {
                receivers.append(Receiver(id: id, continuation: continuation))
            }
            return action
        }

        /// Moves waiting senders' elements into the buffer once it has drained to half its
        /// capacity (the low watermark), waking them together rather than one per element.
        mutating func admitWaitingSenders(into action: inout Action) {
            guard senders.count > 0, buffer.count <= capacity / 2 else { return }
            while buffer.count < capacity, let sender = senders.popFirst() {
                buffer.append(sender.element)
                action.resumeSenders.append((sender.continuation, .success(())))
            }
        }

        mutating func cancelSender(id: UInt64) -> Action {
            var action = Action()
            if let sender = senders.remove(where: { $0.id == id }) {
                action.resumeSenders.append((sender.continuation, .failure(CancellationError())))
            } else {
                cancelledIDs.insert(id)  // cancelled before it registered
            }
            return action
        }

        mutating func cancelReceiver(id: UInt64) -> Action {
            var action = Action()
            if let receiver = receivers.remove(where: { $0.id == id }) {
                action.resumeReceivers.append((receiver.continuation, .failure(CancellationError())))
            } else {
                cancelledIDs.insert(id)
            }
            return action
        }

        mutating func close(with error: Error?) -> Action {
            var action = Action()
            guard !closed else { return action }
            closed = true
            failure = error
            if error != nil { buffer.removeAll() }
            while let sender = senders.popFirst() {
                action.resumeSenders.append((sender.continuation, .failure(error ?? ChannelError.closed)))
            }
            while let receiver = receivers.popFirst() {
                let result: Result<Element?, Error> = error.map { .failure($0) } ?? .success(nil)
                action.resumeReceivers.append((receiver.continuation, result))
            }
            return action
        }
    }
}

/// A growable FIFO ring buffer: O(1) append and removal from the front.
struct Ring<T> {
    private var storage: [T?] = []
    private var head = 0
    private(set) var count = 0

    mutating func append(_ value: T) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = value
        count += 1
    }

    mutating func popFirst() -> T? {
        guard count > 0 else { return nil }
        let value = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return value
    }

    /// Removes the first element matching `predicate`, keeping the order of the rest.
    mutating func remove(where predicate: (T) -> Bool) -> T? {
        var found: T?
        var kept = Ring<T>()
        while let value = popFirst() {
            if found == nil, predicate(value) { found = value } else { kept.append(value) }
        }
        self = kept
        return found
    }

    mutating func removeAll() {
        storage = []
        head = 0
        count = 0
    }

    private mutating func grow() {
        var bigger = [T?](repeating: nil, count: max(4, storage.count * 2))
        for i in 0..<count { bigger[i] = storage[(head + i) % storage.count] }
        storage = bigger
        head = 0
    }
}
