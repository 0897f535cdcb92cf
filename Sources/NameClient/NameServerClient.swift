import AsyncHTTPClient
import Glibc
import FoundationEssentials
import Identity
import NameService
import NIOCore
import NIOHTTP1

/// A name found on a server, checked: when the server gives the registrant's public key and
/// signature (ours always does), the key's id is the address and the signature covers the
/// name, so the server cannot point a name at another account without the account's key.
public struct NameLookup: Sendable, Equatable {
    public let name: String
    public let address: PublicKeyID
    /// True when the answer carried a key and signature and both checked out.
    public let verified: Bool

    public init(name: String, address: PublicKeyID, verified: Bool) {
        self.name = name
        self.address = address
        self.verified = verified
    }
}

/// Client of Jami's name-server protocol (ours or ns.jami.net).
public struct NameServerClient: Sendable {
    public static let defaultServer = "https://ns.jami.net"

    public let server: String
    private let http: HTTPClient
    private let timeout: TimeAmount

    /// `server` is a base URL such as `http://127.0.0.1:8080`; a trailing `/` is ignored.
    public init(server: String = NameServerClient.defaultServer, httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        http = httpClient
        self.timeout = timeout
    }

    /// `GET /name/<name>`.
    public func lookup(name: String) async throws(NameClientError) -> NameLookup {
        let canonical: String
        do { canonical = try NameRules.canonical(name) } catch { throw .invalidName }
        let answer = try await get(NameLookupResponse.self, "/name/" + canonical, invalid: .invalidName)
        guard let address = try? AccountAddress.parse(answer.addr) else { throw .forgedAnswer("bad address \(answer.addr)") }
        guard answer.name == canonical else { throw .forgedAnswer("answered for \(answer.name)") }
        guard let publicKey = answer.publickey, let signature = answer.signature, !publicKey.isEmpty, !signature.isEmpty else {
            return NameLookup(name: canonical, address: address, verified: false)
        }
        do {
            _ = try NameRecord.verified(name: canonical, request: RegistrationRequest(addr: address.hex, owner: nil, signature: signature, publickey: publicKey))
        } catch {
            throw .forgedAnswer("\(error)")
        }
        return NameLookup(name: canonical, address: address, verified: true)
    }

    /// `GET /addr/<id>`: the name of an account, if it registered one.
    public func reverse(address: PublicKeyID) async throws(NameClientError) -> String {
        let answer = try await get(AddressLookupResponse.self, "/addr/" + address.hex, invalid: .invalidAddress)
        guard let name = try? NameRules.canonical(answer.name) else { throw .forgedAnswer("invalid name \(answer.name)") }
        return name
    }

    /// `POST /name/<name>` for the account of `accountKey`, signed as jamid signs it. Succeeds
    /// also when the account already holds this very name.
    public func register(name: String, accountKey: RSAPrivateKey, owner: String? = nil) async throws(NameClientError) {
        let canonical: String, request: RegistrationRequest
        do {
            canonical = try NameRules.canonical(name)
            request = try .signed(name: canonical, accountKey: accountKey, owner: owner)
        } catch {
            throw .invalidName
        }
        guard let body = try? JSONEncoder().encode(request) else { throw .rejected("cannot encode the request") }
        let (status, answer) = try await send(.POST, "/name/" + canonical, body: Array(body))
        let reply = try? JSONDecoder().decode(RegistrationResponse.self, from: Data(answer))
        let reason = reply?.error ?? Self.message(answer)
        switch status {
        case 200...299:
            guard reply?.success != false else { throw .rejected(reason) }
        case 400 where reason == NameServiceError.invalidName.description: throw .invalidName
        case 400 where reason == NameServiceError.nameTaken.description: throw .taken(reason)
        case 400, 413: throw .rejected(reason)
        case 401: throw .badSignature
        case 429: throw .rateLimited
        case 403, 409: throw .taken(reply?.addr != nil ? "this account already has the name \(reply?.name ?? "?")" : "the name belongs to another account")
        case 402...499: throw .taken(reason)
        default: throw .serverError(status: status, message: reason)
        }
    }

    /// A lookup, with jamid's reading of statuses: 400 means the query was invalid, any other
    /// 4xx that nothing is registered.
    private func get<Answer: Decodable>(_ type: Answer.Type, _ path: String, invalid: NameClientError) async throws(NameClientError) -> Answer {
        let (status, body) = try await send(.GET, path)
        switch status {
        case 200: break
        case 400: throw invalid
        case 401...499: throw .notFound
        default: throw .serverError(status: status, message: Self.message(body))
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
            throw .serverError(status: status, message: "unreadable answer")
        }
        return answer
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws(NameClientError) -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Accept", value: "*/*")
        request.headers.add(name: "User-Agent", value: "Rafiki")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            // Answers are a few hundred bytes; jamid also stops reading at 1 MiB.
            let buffer = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Array(buffer.readableBytesView))
        } catch {
            throw .unreachable("\(server): \(Self.describe(error))")
        }
    }

    private static func message(_ body: [UInt8]) -> String {
        if let e = try? JSONDecoder().decode(ErrorResponse.self, from: Data(body)) { return e.error }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    private static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError, e == .deadlineExceeded || e == .connectTimeout { return "timed out" }
        if let e = error as? HTTPClientError, e == .bodyLengthMismatch || e == .remoteConnectionClosed { return "connection closed" }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)).lowercased() }
        return "\(error)"
    }
}
