import AsyncHTTPClient
import Foundation
import Identity
import NameService
import NIOCore

/// The registrations the benchmark stores and sends.
enum Registrations {
    /// `count` records for lookups, stored directly: the server serves stored records as they
    /// are, so their keys need not be real, and generating thousands of RSA keys would dominate
    /// the run.
    static func synthetic(count: Int) -> [NameRecord] {
        (0..<count).map { i in
            let address = PublicKeyID(spki: Array("bench-\(i)".utf8))  // any distinct 20 bytes
            return NameRecord(name: "user-\(i)", address: address, publicKey: String(repeating: "QUJD", count: 300),
                              signature: String(repeating: "U0lH", count: 171), owner: "0x" + address.hex)
        }
    }

    /// Real signed registration bodies, one per fresh RSA-2048 key (made on all cores).
    static func signedBodies(count: Int) async throws -> [(name: String, body: [UInt8])] {
        try await withThrowingTaskGroup(of: (String, [UInt8]).self) { group in
            for i in 0..<count {
                group.addTask {
                    let key = try RSAPrivateKey.generate(bits: 2048)
                    let name = "signed-\(i)"
                    return (name, Array(try JSONEncoder().encode(RegistrationRequest.signed(name: name, accountKey: key))))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    struct Outcome {
        let perSecond: Double
        let p50: Double, p99: Double
        let succeeded: Int
    }

    /// POSTs every body, `concurrency` at a time; latencies in milliseconds.
    static func send(_ bodies: [(name: String, body: [UInt8])], to url: String, concurrency: Int) async throws -> Outcome {
        let started = ContinuousClock.now
        var latencies: [Double] = []
        var succeeded = 0
        try await withThrowingTaskGroup(of: (Double, Bool).self) { group in
            var next = 0
            func submit() {
                let (name, body) = bodies[next]
                next += 1
                group.addTask {
                    var request = HTTPClientRequest(url: url + "/name/" + name)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: body))
                    let t0 = ContinuousClock.now
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    return (milliseconds(ContinuousClock.now - t0), response.status == .ok)
                }
            }
            while next < min(concurrency, bodies.count) { submit() }
            for try await (latency, ok) in group {
                latencies.append(latency)
                succeeded += ok ? 1 : 0
                if next < bodies.count { submit() }
            }
        }
        let seconds = milliseconds(ContinuousClock.now - started) / 1000
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Outcome(perSecond: Double(bodies.count) / seconds, p50: percentile(0.5), p99: percentile(0.99), succeeded: succeeded)
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
