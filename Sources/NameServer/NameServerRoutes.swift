import Foundation
import HTTPServerLimits
import HTTPTypes
import Hummingbird
import Identity
import Logging
import NameService

/// The protocol's endpoints over a ``NameStore``. Every answer is JSON with the reference
/// server's shapes and status codes; every refusal is counted and logged with its reason.
public struct NameServerRoutes: Sendable {
    /// A registration body is about 2 KB (an RSA-4096 PEM in base64 and a signature).
    static let maxBody = 16 * 1024

    let store: any NameStore
    let cache: NameRecordCache
    let limiter: RegistrationRateLimiter
    let metrics: NameServerMetrics
    let connections: ConnectionTable
    /// Refusals that a flood repeats are logged once per interval, with a count.
    let throttle: LogThrottle
    /// Behind a load balancer, the client is the last `X-Forwarded-For` hop it added.
    let trustForwardedFor: Bool
    let logger: Logger

    func register(on router: Router<NameRequestContext>) {
        router.get("/name/:name") { _, context in await lookupName(context, field: nil) }
        for field in RecordField.allCases {
            router.get("/name/:name/\(field.rawValue)") { _, context in await lookupName(context, field: field) }
        }
        router.get("/addr/:addr") { _, context in await lookupAddress(context) }
        router.post("/name/:name") { request, context in await registerName(request, context) }
        router.get("/health") { _, _ in await health() }
        router.get("/metrics") { _, _ in
            metrics.openConnections.set(to: Double(connections.count))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }

    func lookupName(_ context: NameRequestContext, field: RecordField?) async -> Response {
        let started = ContinuousClock.now
        defer { metrics.lookupDuration.record(ContinuousClock.now - started) }
        guard let raw = context.parameters.get("name"), let name = try? NameRules.canonical(raw) else {
            metrics.nameInvalid.increment()
            return json(.badRequest, ErrorResponse(error: NameServiceError.invalidName.description))
        }
        let cached: CachedRecord?
        do {
            cached = try await cachedRecord(named: name)
        } catch {
            return storeFailure(error)
        }
        guard let cached else {
            metrics.nameNotFound.increment()
            return json(.notFound, ErrorResponse(error: "name not registered"))
        }
        metrics.nameFound.increment()
        guard let field else { return json(.ok, cached.nameAnswer) }
        let record = cached.record
        guard let value = field.value(in: record) else { return json(.notFound, ErrorResponse(error: "name not registered")) }
        return json(.ok, ["name": record.name, field.rawValue: value])
    }

    func lookupAddress(_ context: NameRequestContext) async -> Response {
        let started = ContinuousClock.now
        defer { metrics.lookupDuration.record(ContinuousClock.now - started) }
        guard let raw = context.parameters.get("addr"), let address = try? AccountAddress.parse(raw) else {
            metrics.addressInvalid.increment()
            return json(.badRequest, RegistrationResponse(success: false, error: NameServiceError.invalidAddress.description))
        }
        do {
            if let cached = cache.record(for: address) {
                metrics.addressFound.increment()
                return json(.ok, cached.addressAnswer)
            }
            guard let record = try await store.record(for: address) else {
                metrics.addressNotFound.increment()
                return json(.notFound, ErrorResponse(error: "address not registered"))
            }
            metrics.addressFound.increment()
            return json(.ok, cache.insert(record).addressAnswer)
        } catch {
            return storeFailure(error)
        }
    }

    func registerName(_ request: Request, _ context: NameRequestContext) async -> Response {
        let started = ContinuousClock.now
        defer { metrics.registrationDuration.record(ContinuousClock.now - started) }
        let client = clientAddress(request, context)
        // Limits come before any parsing or RSA work, which is what a flood would cost us.
        let (allowed, retryAfter) = limiter.allow(client)
        guard allowed else {
            metrics.rateLimited.increment()
            throttle.note("rate-limited") { count in
                logger.notice("registrations rate-limited", metadata: ["count": "\(count)", "last client": "\(client)"])
            }
            var response = refusal(NameServiceError.rateLimited)
            response.headers[HTTPField.Name("Retry-After")!] = String(max(1, retryAfter.components.seconds))
            return response
        }
        let record: NameRecord
        do {
            let body = try await readBody(request)
            record = try NameRecord.verified(name: context.parameters.get("name") ?? "", request: body)
        } catch {
            metrics.rejected.increment()
            logger.notice("registration refused", metadata: ["client": "\(client)", "reason": "\(error)"])
            return refusal(error)
        }
        let outcome: RegistrationOutcome
        do {
            outcome = try await store.register(record)
        } catch {
            return storeFailure(error)
        }
        switch outcome {
        case .registered:
            metrics.registered.increment()
            cache.insert(record)
            logger.info("name registered", metadata: ["name": "\(record.name)", "addr": "\(record.address)", "client": "\(client)"])
            return json(.ok, RegistrationResponse(success: true))
        case .alreadyRegistered:
            metrics.repeated.increment()
            return json(.ok, RegistrationResponse(success: true))
        case .nameTaken(let holder):
            metrics.taken.increment()
            return json(.forbidden, RegistrationResponse(success: false, error: NameServiceError.nameTaken.description,
                                                         name: holder.name, owner: holder.owner))
        case .addressHasName(let holder):
            metrics.addressHasName.increment()
            return json(.forbidden, RegistrationResponse(success: false, error: NameServiceError.addressHasName(holder.name).description,
                                                         name: holder.name, addr: AccountAddress.wire(holder.address)))
        }
    }

    func health() async -> Response {
        do {
            let names = try await store.count()
            return json(.ok, ["status": "ok", "names": String(names)])
        } catch {
            return json(.serviceUnavailable, ["status": "store unavailable"])
        }
    }

    private func cachedRecord(named name: String) async throws(NameStoreError) -> CachedRecord? {
        if let hit = cache.record(named: name) { return hit }
        return try await store.record(named: name).map { cache.insert($0) }
    }

    private func readBody(_ request: Request) async throws(NameServiceError) -> RegistrationRequest {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxBody)
        } catch {
            throw .bodyTooLarge
        }
        do {
            return try JSONDecoder().decode(RegistrationRequest.self, from: Data(buffer.readableBytesView))
        } catch {
            throw .malformedBody(Self.reason(error))
        }
    }

    private func clientAddress(_ request: Request, _ context: NameRequestContext) -> String {
        if trustForwardedFor, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: CharacterSet.whitespaces), !last.isEmpty {
            return last
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }

    private func refusal(_ error: any Error) -> Response {
        let e = error as? NameServiceError ?? .malformedBody("\(error)")
        return json(HTTPResponse.Status(code: e.status), RegistrationResponse(success: false, error: e.description))
    }

    private func storeFailure(_ error: any Error) -> Response {
        metrics.storeErrors.increment()
        logger.error("store failure", metadata: ["error": "\(error)"])
        return json(.internalServerError, ErrorResponse(error: "server error"))
    }

    private func json(_ status: HTTPResponse.Status, _ body: some Encodable) -> Response {
        json(status, ByteBuffer(bytes: JSONBody.encode(body)))
    }

    private func json(_ status: HTTPResponse.Status, _ body: ByteBuffer) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// A short, client-safe reason for a JSON decoding failure.
    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not a JSON object" : "bad field \(path)"
        default:
            return "not JSON"
        }
    }
}

/// JSON as the server writes it: sorted keys (stable bytes), `/` unescaped (base64 has many).
enum JSONBody {
    static func encode(_ body: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data(#"{"error":"server error"}"#.utf8)
    }
}

/// The single-field lookups, `GET /name/<name>/<field>`.
enum RecordField: String, CaseIterable, Sendable {
    case publickey, signature, owner

    func value(in record: NameRecord) -> String? {
        switch self {
        case .publickey: record.publicKey
        case .signature: record.signature
        case .owner: record.owner
        }
    }
}
