import AsyncHTTPClient
import Foundation
import NIOCore

/// A raw request, for what the typed client never sends (bad JSON, huge bodies, odd paths).
struct RawReply {
    let status: Int
    let headers: [String: String]
    let body: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

func raw(_ method: String, _ url: String, body: [UInt8]? = nil) async throws -> RawReply {
    var request = HTTPClientRequest(url: url)
    request.method = .init(rawValue: method)
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    var headers: [String: String] = [:]
    for h in response.headers { headers[h.name.lowercased()] = h.value }
    return RawReply(status: Int(response.status.code), headers: headers, body: String(buffer: bytes))
}
