import CHiredis
import Foundation

/// One blocking hiredis connection. Used by one thread at a time (a dedicated thread, or a
/// blocking-pool thread that holds it); `interrupt()` may be called from any thread to make a
/// blocked read return.
public final class RedisConnection: @unchecked Sendable {
    // @unchecked: the context is only touched by the owning thread, except `interrupt()`, which only
    // reads the immutable socket descriptor and calls shutdown(2), which is thread-safe.
    private let context: UnsafeMutablePointer<redisContext>
    private let fd: Int32

    public enum Reply: Equatable, Sendable {
        case string(String)
        case status(String)
        case integer(Int64)
        case array([Reply])
        case null
        case error(String)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// Connects within `connectTimeout`; `readTimeout` nil means reads block until data or interrupt.
    public init(configuration: RedisConfiguration, connectTimeout: Duration, readTimeout: Duration?) throws {
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), Self.timeval(connectTimeout)) else {
            throw Failure(description: "cannot allocate a Redis context")
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            throw Failure(description: "connect to \(configuration.host):\(configuration.port): \(message)")
        }
        self.context = context
        self.fd = context.pointee.fd
        _ = redisEnableKeepAlive(context)
        _ = redisSetTimeout(context, Self.timeval(readTimeout ?? .zero))
        if let password = configuration.password {
            if case .error(let message) = try command(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password]) {
                throw Failure(description: "AUTH: \(message)")
            }
        }
    }

    deinit { redisFree(context) }

    /// Sends a command and reads its reply.
    public func command(_ arguments: [String]) throws -> Reply {
        try append(arguments)
        return try readReply()
    }

    /// Queues a command in the output buffer (pipelining); `readReply` flushes and reads.
    public func append(_ arguments: [String]) throws {
        let cStrings = arguments.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        var lengths = arguments.map { $0.utf8.count }
        let status = pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeMutableBufferPointer { argvlen in
                redisAppendCommandArgv(context, Int32(arguments.count), argv.baseAddress, argvlen.baseAddress)
            }
        }
        guard status == REDIS_OK else { throw Failure(description: Self.errorString(context)) }
    }

    public func readReply() throws -> Reply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw Failure(description: Self.errorString(context))
        }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Makes a read blocked on this connection return with an error (used to stop a subscriber).
    func interrupt() {
        _ = shutdown(fd, Int32(SHUT_RDWR))
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> Reply {
        let value = reply.pointee
        func text() -> String {
            guard let str = value.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: str, count: value.len), as: UTF8.self)
        }
        switch value.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_INTEGER: return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            var items: [Reply] = []
            for index in 0..<value.elements {
                if let element = value.element[index] { items.append(convert(element)) }
            }
            return .array(items)
        default: return .null
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { buffer in
            String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let micros = Int(duration.seconds * 1_000_000)
        return Glibc.timeval(tv_sec: micros / 1_000_000, tv_usec: micros % 1_000_000)
    }
}
