import DHT
import DaemonWire
import Identity
import Logging

/// Linking a new device with a PIN, as Jami 13.7 does (``ArchivePIN``): the existing device
/// puts the archive on the DHT for about ten minutes; the new one fetches it with a node of
/// its own and becomes a device of the account.
extension Daemon {
    /// How long the PIN's value lives on the DHT (OpenDHT's default for type 0), in seconds.
    public static let linkLifetime: Int64 = 600

    /// Puts `account`'s archive on the DHT under a new PIN (`password` is the account's, empty
    /// when it has none) and returns the PIN, in lower case as Jami shows it.
    public func authorizeDevice(_ account: String, password: String?) async throws(DaemonError) -> API.DeviceLink {
        let runtime = try runtime(account)
        guard let node = await runtime.online?.node else { throw .network("the account is offline") }
        let pin = ArchivePIN.newPIN(), now = WallClock.unixSeconds
        let sealed: [UInt8]
        do {
            sealed = try await Blocking.run { [store] () throws(IdentityError) in
                let archive = try store.archive(runtime.id, password: password.flatMap { $0.isEmpty ? nil : $0 })
                let (key, _) = try ArchivePIN.key(pin: pin, password: password ?? "", unixSeconds: now)
                return try ArchivePIN.seal(archive, key: key)
            }
        } catch { throw DaemonError(error) }
        let location: [UInt8]
        do { location = try await Blocking.run { () throws(IdentityError) in try ArchivePIN.key(pin: pin, password: password ?? "", unixSeconds: now).location } } catch {
            throw DaemonError(error)
        }
        let value = Value(id: UInt64.random(in: 1...UInt64.max), data: sealed), at = InfoHash(bytes: location)!
        do { _ = try await node.put(at, value) } catch {
            throw .network("putting the archive on the DHT: \(error)")
        }
        // Put again a few times in the first minute (the same value: its holders keep one
        // copy), so that a slow new device, or nodes that joined since, still find it.
        Task {
            for delay in [5, 10, 20, 40] {
                try? await Task.sleep(for: .seconds(delay))
                _ = try? await node.put(at, value)
            }
        }
        logger.notice("an archive was put on the DHT for a new device", metadata: ["account": "\(runtime.id)"])
        return API.DeviceLink(pin: pin.lowercased(), expires: now + Self.linkLifetime)
    }

    /// Finds the archive a device of an account put on the DHT under `pin` (this window's or
    /// the last), opens it with `password`, and makes this machine a new device of it.
    public func linkDevice(pin typed: String, password: String?, deviceName: String) async throws(DaemonError) -> AccountRuntime {
        guard let pin = ArchivePIN.normalized(typed) else { throw .invalid("a PIN is 8 letters and digits") }
        let input = try AccountInput(password: password, deviceName: deviceName, displayName: nil)
        var config = DHTConfig()
        config.lifetimeOverrides = settings.lifetimeOverrides
        let node: any DHTNodeProtocol
        do { node = try await UDPNodeFactory(host: configuration.dhtHost, port: 0).startNode(config, preferredPort: nil, logger: logger) } catch {
            throw .network("cannot start a DHT node: \(error)")
        }
        defer { Task { await node.shutdown() } }
        do { try await node.bootstrap(bootstrap, timeout: .seconds(10)) } catch { throw .network("no bootstrap node answered: \(error)") }
        let now = WallClock.unixSeconds
        var keys: [(key: [UInt8], location: [UInt8])] = []
        for previous in [false, true] {
            do { keys.append(try await Blocking.run { () throws(IdentityError) in try ArchivePIN.key(pin: pin, password: password ?? "", unixSeconds: now, previous: previous) }) } catch {
                throw DaemonError(error)
            }
        }
        // A node that just joined may not reach the value's holders at once: three looks.
        for attempt in 0..<3 {
            if attempt > 0 { try? await Task.sleep(for: .seconds(2 * attempt)) }
            for key in keys {
                let values = (try? await node.get(InfoHash(bytes: key.location)!, query: Query(), onValues: nil, until: nil)) ?? []
                for v in values {
                    guard let archive = try? ArchivePIN.open(v.data, key: key.key), (try? ChainVerifier().verify(archive.accountChain)) != nil else { continue }
                    if runtimes[archive.accountID] != nil { throw .invalid("account \(archive.accountID) is already on this device") }
                    let device: DeviceIdentity
                    do { device = try await DeviceIdentity.createOnOwnThread(for: archive, bits: keyBits) } catch { throw DaemonError(error) }
                    return try await install(archive, device: device, input: input)
                }
            }
        }
        throw DaemonError(.noSuchAccount, "nothing on the DHT opens with that PIN and password (a PIN lasts ten minutes)")
    }
}
