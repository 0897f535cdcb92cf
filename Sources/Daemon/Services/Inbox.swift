import AccountSync
import DaemonWire
import Contacts
import DHT
import Identity
import Logging
import SecureDHT

/// What arrives for this device: values at its inbox (`H("inbox:" + device)`) and at its
/// connection-request keys (`H("peer:" + short id)` and `H("peer:" + long id)`). ``SecureDHTNode`` has already decrypted each
/// value and checked its signature; values it could not (not for us, forged, corrupted) never
/// get here. The inbox parses them, checks the sender's device chain, remembers what it has
/// seen (a value is handled once, across restarts) and routes them by kind.
public actor Inbox {
    /// Certificate lookups retried (after 3, 6, 12… s, about 3 minutes in all) before a request
    /// is given up until it is received again (after a restart: the listen shows a value once).
    static let certificateRetries = 6

    /// What the inbox hands on.
    public enum Delivery: Sendable {
        /// A trust request (or answer) from a verified device of `account`.
        case trustRequest(TrustRequest, account: PublicKeyID, device: PublicKeyID)
        /// A connection request (a `peer_request` value) from `device`.
        case connectionRequest(Value, device: PublicKeyID)
        /// An ImMessage (a commit notification, say) from a verified device of `account`.
        case imMessage(ImMessage, account: PublicKeyID, device: PublicKeyID)
        /// Contacts and trust requests from another verified device of this account, as
        /// jamid also puts them in the DHT (besides `sync://`, where it can miss a change).
        case deviceSync(DeviceSync, device: PublicKeyID)
    }

    let context: AccountContext
    let node: SecureDHTNode
    let directory: DeviceDirectory
    private let handler: @Sendable (Delivery) async -> Void
    private var tasks: [Task<Void, Never>] = []
    /// Decryptions of values at our connection-request keys (both keys share it).
    private(set) var peerBudget = DecryptionBudget()

    public init(context: AccountContext, node: SecureDHTNode, directory: DeviceDirectory, handler: @escaping @Sendable (Delivery) async -> Void) {
        self.context = context
        self.node = node
        self.directory = directory
        self.handler = handler
    }

    /// Listens on both keys until ``stop()``.
    public func start() {
        let inbox = node.listen(DeviceDirectory.inbox(of: context.device.shortID))
        tasks.append(context.scheduler.spawn { [weak self] in
            for await event in inbox {
                guard case .added(let value) = event, let self else { continue }
                await self.inboxValue(value)
            }
        })
        // Both keys: jamid 13.7 sends to the short id's, current dhtnet to the long id's.
        // Raw values: each is decrypted only when the budget admits it.
        for id in [context.device.shortID.hex, context.device.longID.hex] {
            let peer = node.listenUnchecked(.hashing(key: "peer:" + id))
            tasks.append(context.scheduler.spawn { [weak self] in
                for await event in peer {
                    guard case .added(let value) = event, let self else { continue }
                    await self.peerValue(value)
                }
            })
        }
    }

    public func stop() {
        for t in tasks { t.cancel() }
        tasks = []
    }

    private func peerValue(_ raw: Value) async {
        guard raw.isEncrypted else { return }  // requests are always encrypted to us
        guard peerBudget.admit(now: context.scheduler.unixMilliseconds) else {
            // One line per 100 dropped: the flood itself must not flood the log.
            if peerBudget.refused % 100 == 1 {
                context.logger.warning("connection-request values arrive faster than they may be decrypted; dropping",
                                       metadata: ["dropped": "\(peerBudget.refused)", "decrypted": "\(peerBudget.admitted)"])
            }
            return
        }
        guard let value = node.checked(raw), value.userType == "peer_request",
              let device = value.ownerID.flatMap({ PublicKeyID(bytes: $0.bytes) }) else { return }
        await handler(.connectionRequest(value, device: device))
    }

    /// One decrypted inbox value: a trust request or confirmation, else ignored.
    func inboxValue(_ value: Value, attempt: Int = 0) async {
        guard let device = value.ownerID.flatMap({ PublicKeyID(bytes: $0.bytes) }) else { return }
        var log = context.logger
        log[metadataKey: "device"] = "\(device)"
        log[metadataKey: "value"] = "\(value.id)"
        do {
            if try context.database.hasSeenInboxValue(value.id) { return }
        } catch {
            log.error("cannot read which inbox values were seen; handling this one", metadata: ["error": "\(error)"])
        }
        if value.type == ValueType.imMessage.id {
            await imMessage(value, from: device, log: log)
            return
        }
        if value.type == ValueType.userData.id {
            await deviceSync(value, from: device, log: log)
            return
        }
        guard value.type == ValueType.trustRequest.id else {
            log.info("ignoring an inbox value of type \(value.type)")
            markSeen(value)
            return
        }
        let request: TrustRequest
        do {
            request = try TrustRequest(decoding: value.data)
        } catch {
            log.warning("dropped a trust request", metadata: ["reason": "\(error)"])
            markSeen(value)
            return
        }
        let sender: DeviceDirectory.ValidatedDevice
        do {
            sender = try await directory.validate(device, record: false)
        } catch {
            // A missing certificate may show up later (the value is seen again after a restart);
            // an invalid one will not.
            if error.code == .network, attempt < Self.certificateRetries {
                // The sender may have put the request before its certificate reached the DHT.
                log.info("sender's certificate not found yet; retrying", metadata: ["attempt": "\(attempt + 1)"])
                let scheduler = context.scheduler
                tasks.append(scheduler.spawn { [weak self] in
                    guard (try? await scheduler.sleep(for: .seconds(3 << attempt))) != nil else { return }
                    await self?.inboxValue(value, attempt: attempt + 1)
                })
                return
            }
            log.warning("dropped a trust request from an unverifiable device", metadata: ["reason": "\(error)"])
            if error.code == .invalid { markSeen(value) }
            return
        }
        await handler(.trustRequest(request, account: sender.account, device: device))
        // After the request is handled: neither write is needed for that.
        await directory.record(sender)
        markSeen(value)
    }

    /// An ImMessage: a receipt (no body) is only marked seen; anything else from a verified
    /// device is handed on, then receipted as jamid expects (the same id, encrypted to the
    /// sender, at our own inbox, where it listens for it).
    private func imMessage(_ value: Value, from device: PublicKeyID, log: Logger) async {
        markSeen(value)
        let message: ImMessage
        do { message = try ImMessage(decoding: value.data) } catch {
            log.info("dropped an ImMessage", metadata: ["reason": "\(error)"])
            return
        }
        guard !message.body.isEmpty else { return }
        guard let sender = await verified(device, "an ImMessage", log: log) else { return }
        await handler(.imMessage(message, account: sender.account, device: device))
        guard let key = sender.chain.leaf.rsaPublicKey else { return }
        do {
            let receipt = Value(id: context.scheduler.randomID(), type: ValueType.imMessage.id, data: message.receipt.encoded())
            _ = try await node.put(DeviceDirectory.inbox(of: context.device.shortID), node.sealed(receipt, to: key))
        } catch {
            log.info("could not put an ImMessage receipt", metadata: ["reason": "\(error)"])
        }
    }

    /// A user-data value: jamid's legacy DeviceSync, taken from our own account's devices only
    /// (legacy text messages, the other user-data values, are not read).
    private func deviceSync(_ value: Value, from device: PublicKeyID, log: Logger) async {
        markSeen(value)
        let sync: DeviceSync
        do { sync = try DeviceSync(valueData: value.data) } catch {
            log.info("ignoring a user-data inbox value (not a device sync)", metadata: ["reason": "\(error)"])
            return
        }
        guard let sender = await verified(device, "a device sync", log: log) else { return }
        guard sender.account == context.account else {
            log.warning("dropped a device sync from another account's device", metadata: ["account": "\(sender.account)"])
            return
        }
        await handler(.deviceSync(sync, device: device))
    }

    /// The sender's checked device chain, or nil (logged as dropping `what`).
    private func verified(_ device: PublicKeyID, _ what: String, log: Logger) async -> DeviceDirectory.ValidatedDevice? {
        do { return try await directory.validate(device, record: false) } catch {
            log.info("dropped \(what) from an unverifiable device", metadata: ["reason": "\(error)"])
            return nil
        }
    }

    private func markSeen(_ value: Value) {
        let (database, now) = (context.database, context.scheduler.unixSeconds)
        context.recording("an inbox value seen (it may be shown again after a restart)") { () throws(DaemonError) in
            _ = try database.markInboxValueSeen(value.id, now: now)
        }
    }
}
