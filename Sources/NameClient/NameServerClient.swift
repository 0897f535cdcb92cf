import AsyncHTTPClient
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
///
/// The server address is a checked ``ServerURL``; redirects are followed by hand, each target
/// checked the same way (see ``NameServerClient+HTTP``), at most ``maxRedirects`` hops, never in
/// a loop nor from https to http.
public struct NameServerClient: Sendable {
    public static let defaultServer = "https://ns.jami.net"
    /// Redirects followed per request; jamid's libcurl is set to a handful as well.
    public static let defaultMaxRedirects = 3

    /// The server's base URL, or why the string it was made from was refused (reported by the
    /// first request).
    let base: Result<ServerURL, NameClientError>
    /// The server, for messages: the checked URL, or the refused text (bounded).
    public let server: String
    let http: HTTPClient
    let timeout: TimeAmount
    let maxRedirects: Int

    /// `server` is a base URL such as `http://127.0.0.1:8080`; a trailing `/` is ignored.
    /// `httpClient` must not follow redirects itself (``redirectFreeHTTPClient`` does not);
    /// `timeout` bounds a whole request, redirects included.
    public init(server: ServerURL, httpClient: HTTPClient = NameServerClient.redirectFreeHTTPClient, timeout: TimeAmount = .seconds(10),
                maxRedirects: Int = NameServerClient.defaultMaxRedirects) {
        self.init(base: .success(server), shown: server.string, httpClient: httpClient, timeout: timeout, maxRedirects: maxRedirects)
    }

    /// The same from text; an invalid address fails every request with
    /// ``NameClientError/invalidServer(_:)``. Check it first with ``ServerURL/init(_:)`` where
    /// it is typed or configured, to report it there.
    public init(server: String = NameServerClient.defaultServer, httpClient: HTTPClient = NameServerClient.redirectFreeHTTPClient,
                timeout: TimeAmount = .seconds(10), maxRedirects: Int = NameServerClient.defaultMaxRedirects) {
        let base: Result<ServerURL, NameClientError>
        do { base = .success(try ServerURL(server)) } catch { base = .failure(Self.invalid(error)) }
        let shown = (try? base.get().string) ?? String(server.prefix(200))
        self.init(base: base, shown: shown, httpClient: httpClient, timeout: timeout, maxRedirects: maxRedirects)
    }

    private init(base: Result<ServerURL, NameClientError>, shown: String, httpClient: HTTPClient, timeout: TimeAmount, maxRedirects: Int) {
        (self.base, server, http, self.timeout) = (base, shown, httpClient, timeout)
        self.maxRedirects = max(0, maxRedirects)
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

    /// The server's reason, bounded and without control characters (it ends up in logs and
    /// terminals).
    static func message(_ body: [UInt8]) -> String {
        let text = (try? JSONDecoder().decode(ErrorResponse.self, from: Data(body)))?.error ?? String(decoding: body.prefix(200), as: UTF8.self)
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(200).filter { $0.value >= 0x20 && $0.value != 0x7f }))
    }
}
