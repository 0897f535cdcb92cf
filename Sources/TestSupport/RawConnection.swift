#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A plain socket to a server under test, for clients that misbehave on purpose: silent, a head
/// sent a byte at a time, a body announced and never sent. Every wait is bounded; call the
/// waiting methods through ``onOwnThread(_:)`` to keep them off the cooperative pool.
public final class RawConnection: @unchecked Sendable {
    // @unchecked: one test task uses a connection at a time; the descriptor is its only state.
    private var fd: Int32

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects to `host:port` over TCP, from the local address `source` when given (any
    /// 127.x.y.z works on Linux, so one test can be several client IPs).
    public init(host: String = "127.0.0.1", port: Int, from source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        if let source {
            var local = try Self.address(source, port: 0)
            guard Self.withSockaddr(&local, { bind(fd, $0, $1) }) == 0 else {
                Glibc.close(fd)
                throw Failure(description: "bind \(source): \(String(cString: strerror(errno)))")
            }
        }
        var remote = try Self.address(host, port: port)
        guard Self.withSockaddr(&remote, { connect(fd, $0, $1) }) == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect \(host):\(port): \(why)")
        }
    }

    /// Connects to a Unix socket.
    public init(unixSocket path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8).prefix($0.count - 1)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, connected == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends `text`; false when the server has closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        send(bytes: Array(text.utf8))
    }

    /// Sends `bytes`; false when the server has closed the connection.
    @discardableResult
    public func send(bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// Waits up to `timeout` for bytes and returns what one read gives (binary-safe); empty
    /// and `closed` when the server has closed, empty and not closed on timeout.
    public func receive(timeout: Duration) -> (bytes: [UInt8], closed: Bool) {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout / .milliseconds(1))) > 0 else { return ([], false) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? (Array(buffer[..<n]), false) : ([], true)
    }

    /// Reads until the server closes or `timeout` passes: what it sent, and whether it closed.
    public func readUntilClosed(timeout: Duration) -> (text: String, closed: Bool) {
        read(timeout: timeout) { _ in false }
    }

    /// Reads until an answer's head (up to the blank line) came, the server closed, or `timeout` passed.
    public func readHead(timeout: Duration) -> (text: String, closed: Bool) {
        read(timeout: timeout) { $0.contains("\r\n\r\n") }
    }

    private func read(timeout: Duration, until enough: (String) -> Bool) -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while ContinuousClock.now < deadline {
            let left = deadline - ContinuousClock.now
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(1000, max(0, left / .milliseconds(1))) + 1))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return (String(decoding: bytes, as: UTF8.self), true) }
            bytes += buffer[..<n]
            if enough(String(decoding: bytes, as: UTF8.self)) { return (String(decoding: bytes, as: UTF8.self), false) }
        }
        return (String(decoding: bytes, as: UTF8.self), false)
    }

    /// Whether the server has closed the connection (what it sent before is dropped).
    public var isClosed: Bool {
        // Unread data (the rest of an answer) would hide the end of the stream behind it: it is
        // read and dropped.
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 0) > 0 else { return false }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 { return true }
            if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR }
        }
    }

    private static func address(_ host: String, port: Int) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "not an IPv4 address: \(host)") }
        return address
    }

    private static func withSockaddr(_ address: inout sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }
}

/// One HTTP/1.1 exchange written by hand (any headers, `Connection: close`), and its answer.
public struct RawHTTPAnswer: Sendable {
    public let status: Int
    public let head: String
    public let body: String

    /// Sends `request` (a full request, head and body) on a new connection and reads the answer
    /// until the server closes; nil status when none came within `timeout`.
    public static func exchange(_ request: String, on connection: RawConnection, timeout: Duration = .seconds(30)) async throws -> RawHTTPAnswer {
        try await onOwnThread {
            guard connection.send(request) else { throw RawConnection.Failure(description: "the server closed before the request was sent") }
            let (text, _) = connection.readUntilClosed(timeout: timeout)
            let parts = text.components(separatedBy: "\r\n\r\n")
            let head = parts.first ?? ""
            let statusText = head.split(separator: " ", maxSplits: 2).dropFirst().first.map(String.init) ?? ""
            guard let status = Int(statusText) else { throw RawConnection.Failure(description: "no HTTP answer: \(text.prefix(200))") }
            return RawHTTPAnswer(status: status, head: head, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
        }
    }
}
