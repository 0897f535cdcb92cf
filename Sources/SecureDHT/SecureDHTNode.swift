import DHT
import Identity
import Logging
import Synchronization

/// A DHT node with OpenDHT's SecureDht layer (§6): values it stores for others are checked
/// (``SecureValueValidator``); values it reads are verified or decrypted and the bad ones
/// dropped; with an identity it signs, encrypts and publishes its certificate.
///
/// RSA work (about 3 ms per decryption with RSA-4096) runs on the caller's task, never on the
/// node's event loop, so a burst of encrypted values does not delay the protocol.
public final class SecureDHTNode: Sendable {
    /// The node underneath; private, so every value read through this layer is checked.
    let node: any DHTNodeProtocol
    public let identity: DeviceIdentity?
    private let certificates = Mutex<[InfoHash: CertificateChain]>([:])
    private let dropped = Atomic<Int>(0)
    private let logger: Logger
    /// Certificates kept after a lookup (each about 6 KiB with its chain).
    static let maxCachedCertificates = 4096

    /// The secure layer over `node`. The node's storage should enforce SecureDht's policies:
    /// start it with ``SecureValueValidator`` as its `DHTConfig.validator`.
    public init(node: any DHTNodeProtocol, identity: DeviceIdentity?, logger: Logger = Logger(label: "rafiki.securedht")) {
        self.node = node
        self.identity = identity
        self.logger = logger
        if let identity { certificates.withLock { $0[InfoHash(identity.shortID)] = identity.chain } }
    }

    /// Makes a node's storage enforce SecureDht's policies, as every OpenDHT `DhtRunner` does.
    public static func enforcePolicies(on config: inout DHTConfig) {
        config.validator = SecureValueValidator()
    }

    public var nodeId: InfoHash { node.nodeId }
    public var localAddress: PeerAddress { node.localAddress }

    public func bootstrap(_ addresses: [PeerAddress], timeout: Duration = .seconds(10)) async throws {
        try await node.bootstrap(addresses, timeout: timeout)
    }

    /// See ``DHTNodeProtocol/prepare(_:)``.
    public func prepare(_ key: InfoHash) { node.prepare(key) }

    /// Stores a value that is already what it should be on the network: signed (a device
    /// announcement the account key signed) or sealed (``sealed(_:to:)``), or plain.
    @discardableResult
    public func put(_ key: InfoHash, _ value: Value, permanent: Bool = false) async throws -> Int {
        try await node.put(key, value, permanent: permanent)
    }

    public func statistics() async throws -> DHTStatistics { try await node.statistics() }

    /// Our public-key id, where our certificate lives; nil without an identity.
    public var publicKeyID: InfoHash? { identity.map { InfoHash($0.shortID) } }

    /// Values dropped so far because their signature failed or they could not be decrypted.
    public var droppedValues: Int { dropped.load(ordering: .relaxed) }

    /// Publishes our certificate chain at our key id (type 8, id 1, permanent while we run).
    @discardableResult
    public func publishCertificate() async throws -> Int {
        guard let identity else { throw SecureDHTError.noIdentity }
        return try await node.put(InfoHash(identity.shortID), CertificateValue.make(identity.chain), permanent: true)
    }

    /// Signs and stores `value`. As OpenDHT does, it first looks for a value with the same id
    /// and takes a `seq` above it, so storing nodes accept the edit.
    @discardableResult
    public func putSigned(_ key: InfoHash, _ value: Value, permanent: Bool = false) async throws -> Int {
        guard let identity else { throw SecureDHTError.noIdentity }
        var value = value
        // Checked values only: a forged copy claiming our key must not steer our sequence number.
        let existing = (try? await get(key, query: Query(where: [.id(value.id)]))) ?? []
        for v in existing where v.id == value.id && v.isSigned {
            if v.owner == identity.key.publicKey.spkiDER {
                if v.seq >= value.seq { value.seq = v.seq &+ 1 }
            } else {
                logger.warning("a value with this id belongs to someone else", metadata: ["key": "\(key.hex)", "id": "\(value.id)"])
            }
        }
        return try await node.put(key, value.signed(by: identity.key), permanent: permanent)
    }

    /// `value` signed with our key and encrypted to `recipient`, ready for ``put(_:_:permanent:)``: the
    /// CPU part of ``putEncrypted(_:to:_:permanent:)`` (one RSA private operation, about 7 ms
    /// with RSA-4096), for callers that overlap it with network work.
    public func sealed(_ value: Value, to recipient: RSAPublicKey) throws -> Value {
        guard let identity else { throw SecureDHTError.noIdentity }
        return try value.encrypted(to: recipient, signedBy: identity.key)
    }

    /// Signs `value`, encrypts it to the owner of public-key id `recipient` (whose certificate is
    /// looked up on the DHT) and stores it under `key`.
    @discardableResult
    public func putEncrypted(_ key: InfoHash, to recipient: InfoHash, _ value: Value, permanent: Bool = false) async throws -> Int {
        guard identity != nil else { throw SecureDHTError.noIdentity }
        guard let publicKey = try await findCertificate(recipient).leaf.rsaPublicKey else { throw SecureDHTError.badOwnerKey }
        return try await node.put(key, sealed(value, to: publicKey), permanent: permanent)
    }

    /// The certificate chain published at public-key id `id`, from the cache or the DHT.
    public func findCertificate(_ id: InfoHash) async throws -> CertificateChain {
        if let cached = certificates.withLock({ $0[id] }) { return cached }
        // The first chain whose key hashes to `id` is the one (as in OpenDHT): stop there rather
        // than wait for every close node to answer, and keep the chain parsed on the way.
        let found = FoundChain()
        _ = try await node.get(id, query: Query(where: [.valueType(ValueType.certificate.id)]), onValues: nil, until: { batch in
            guard let chain = batch.lazy.compactMap({ CertificateValue.chain(in: $0, expectedAt: id) }).first else { return false }
            found.chain.withLock { $0 = chain }
            return true
        })
        guard let chain = found.chain.withLock({ $0 }) else { throw SecureDHTError.certificateNotFound(id) }
        certificates.withLock { cache in
            // Bounded: a node resolving many peers forgets an arbitrary one rather than grow.
            if cache.count >= Self.maxCachedCertificates, let victim = cache.keys.first(where: { $0 != publicKeyID }) {
                cache[victim] = nil
            }
            cache[id] = chain
        }
        return chain
    }

    /// Checked values under `key`: signatures verified, values addressed to us decrypted, the
    /// rest of the encrypted ones and every bad one dropped. `onValues` sees each checked batch.
    ///
    /// The checks run in a child task while the get goes on (structured, so they run where the
    /// caller runs: on its executor in the simulation).
    public func get(_ key: InfoHash, query: Query = Query(), onValues: (@Sendable ([Value]) -> Void)? = nil) async throws -> [Value] {
        let (batches, sink) = AsyncStream<[Value]>.makeStream()
        async let checked: [Value] = {
            var all: [Value] = []
            for await batch in batches {
                let good = batch.compactMap(self.checked)
                if !good.isEmpty { onValues?(good) }
                all += good
            }
            return all
        }()
        do {
            _ = try await node.get(key, query: query, onValues: { sink.yield($0) }, until: nil)
        } catch {
            sink.finish()
            _ = await checked
            throw error
        }
        sink.finish()
        return await checked
    }

    /// Checked changes under `key` (see ``get(_:query:onValues:)``), checked in the task that
    /// reads them. Dropping the sequence (or cancelling its reader) ends the listen.
    public func listen(_ key: InfoHash, query: Query = Query()) -> CheckedListen {
        node.listen(key, query: query).compactMap { [self] event in
            switch event {
            case .added(let v): checked(v).map(ListenEvent.added)
            case .expired: event
            }
        }
    }

    public typealias CheckedListen = AsyncCompactMapSequence<AsyncStream<ListenEvent>, ListenEvent>

    /// Changes under `key` as the network sends them, nothing checked or decrypted: for a
    /// caller that bounds that work itself (``checked(_:)`` each value it takes).
    public func listenUnchecked(_ key: InfoHash, query: Query = Query()) -> AsyncStream<ListenEvent> {
        node.listen(key, query: query)
    }

    /// What OpenDHT's `SecureDht::checkValue` does with a value read from the network.
    public func checked(_ value: Value) -> Value? {
        do {
            return try Self.checked(value, for: identity)
        } catch {
            dropped.add(1, ordering: .relaxed)
            logger.info("dropped a value", metadata: ["id": "\(value.id)", "reason": "\(error)"])
            return nil
        }
    }

    /// A value read from the network as `identity` may see it: signed values verified, values
    /// encrypted to it decrypted, other encrypted ones nil (not for us: invisible, not an error).
    /// Pure: no node, no state.
    public static func checked(_ value: Value, for identity: DeviceIdentity?) throws(SecureDHTError) -> Value? {
        if value.isEncrypted {
            guard let identity else { return nil }
            return try value.decrypted(with: identity.key)
        }
        if value.owner != nil { try value.verifySignature() }
        return value
    }

    public func shutdown() async { await node.shutdown() }
}

/// The chain a certificate lookup found, handed from the node's event loop to the caller.
private final class FoundChain: Sendable {
    let chain = Mutex<CertificateChain?>(nil)
}
