import AsyncHTTPClient
import Glibc
import NameService
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP exchange under every request: one deadline for the whole exchange, redirects
/// followed here (not by AsyncHTTPClient) so that each `Location` is checked as a
/// ``ServerURL`` before anything connects to it, and errors in our own words.
extension NameServerClient {
    /// AsyncHTTPClient's shared settings, except that it never follows a redirect by itself.
    /// Lives as long as the process, like `HTTPClient.shared`. On an event loop of its own:
    /// NIO's shared loops carry the DHT, whose traffic (a flood, or many nodes in one test
    /// process) must not time name lookups out.
    public static let redirectFreeHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup(numberOfThreads: 1), configuration: configuration)
    }()

    /// Answers are a few hundred bytes; jamid also stops reading at 1 MiB.
    static let maxAnswer = 1 << 20

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws(NameClientError) -> (Int, [UInt8]) {
        let start = try base.get()
        var url: ServerURL
        do { url = try start.appending(path: path) } catch { throw Self.invalid(error) }
        let deadline = NIODeadline.now() + timeout
        var visited: Set<ServerURL> = [url]
        while true {
            let (status, headers, answer) = try await exchange(method, url, body: body, deadline: deadline)
            // GET follows every redirect; a POST only those that keep the method and body.
            let follows = method == .GET ? [301, 302, 303, 307, 308].contains(status) : [307, 308].contains(status)
            guard follows, let location = headers.first(name: "Location") else { return (status, answer) }
            guard visited.count <= maxRedirects else { throw .badRedirect("more than \(maxRedirects) redirects from \(start)") }
            let next: ServerURL
            do { next = try url.redirect(to: location) } catch { throw .badRedirect(error.reason) }
            guard visited.insert(next).inserted else { throw .badRedirect("a redirect loop back to \(next)") }
            url = next
        }
    }

    private func exchange(_ method: HTTPMethod, _ url: ServerURL, body: [UInt8]?, deadline: NIODeadline) async throws(NameClientError) -> (Int, HTTPHeaders, [UInt8]) {
        var request = HTTPClientRequest(url: url.string)
        request.method = method
        request.headers.add(name: "Accept", value: "*/*")
        request.headers.add(name: "User-Agent", value: "Rafiki")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, deadline: deadline)
            let buffer = try await Self.collect(response.body, by: deadline)
            return (Int(response.status.code), response.headers, Array(buffer.readableBytesView))
        } catch {
            throw .unreachable("\(url.host.urlForm): \(Self.describe(error))")
        }
    }

    /// The body, by the same deadline: AsyncHTTPClient's covers the response head only, so a
    /// server dripping its answer a byte at a time would hold the request for as long as it liked.
    private static func collect(_ body: HTTPClientResponse.Body, by deadline: NIODeadline) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: maxAnswer) }
            group.addTask {
                let left = (deadline - .now()).nanoseconds
                if left > 0 { try await Task.sleep(nanoseconds: UInt64(left)) }
                return nil
            }
            defer { group.cancelAll() }
            guard case let buffer?? = try await group.next() else { throw HTTPClientError.deadlineExceeded }
            return buffer
        }
    }

    static func invalid(_ error: NameServiceError) -> NameClientError { .invalidServer(error.reason) }

    /// A failure in words a user can act on, never a library's type names.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as HTTPClientError where e == .deadlineExceeded || e == .connectTimeout || e == .readTimeout: return "timed out"
        case let e as HTTPClientError where e == .bodyLengthMismatch || e == .remoteConnectionClosed: return "connection closed"
        case let e as HTTPClientError where e == .tlsHandshakeTimeout: return "TLS handshake timed out"
        case let e as HTTPClientError where e == .invalidURL || e == .emptyHost || e == .emptyScheme: return "invalid URL"
        case is HTTPClientError: return "HTTP exchange failed"
        case let e as IOError: return String(cString: strerror(e.errnoCode)).lowercased()
        case let e as NIOConnectionError:
            if e.dnsAError != nil || e.dnsAAAAError != nil, e.connectionErrors.isEmpty { return "cannot resolve the host" }
            return e.connectionErrors.first.map { describe($0.error) } ?? "cannot connect"
        case is SocketAddressError: return "cannot resolve the host"
        case is NIOTooManyBytesError: return "answer larger than \(maxAnswer) bytes"
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError: return "TLS handshake failed (is the certificate valid for this host?)"
        default: return "request failed"
        }
    }
}
