import Connectivity
import Contacts
import DaemonWire
import Identity

// Peer sockets as the local API sees them.
extension AccountRuntime {
    /// Who may have a socket with us: our own devices always; never a banned account; for a
    /// connection the peer asks for, anyone else when `strangers`, else only active contacts.
    static func mayConnect(_ account: PublicKeyID, incoming: Bool, own: PublicKeyID, database: AccountDatabase, strangers: Bool) -> Bool {
        if account == own { return true }
        let contact: Contact?
        do { contact = try database.contact(account) } catch { return false }
        if contact?.isBanned == true { return false }
        return !incoming || strangers || contact?.isActive == true
    }

    func connections() throws(DaemonError) -> Connections {
        guard let connections = online?.connections else { throw .network("the account is offline or its peer connections are off") }
        return connections
    }

    /// Sockets and recent attempts, by device.
    public func peers() async throws(DaemonError) -> [API.Peer] {
        try await connections().list()
    }

    /// Connects to `id`: every announced device of it when it is an account (ours excepted),
    /// else the device with that id. Waits for each attempt; fails only when all of them fail.
    public func connectPeer(_ id: PublicKeyID) async throws(DaemonError) -> [API.Peer] {
        let connections = try connections()
        guard let directory = online?.directory else { throw .network("the account is offline") }
        let devices = try await directory.devices(of: id).map(\.device).filter { $0 != context.device.shortID }
        let targets = devices.isEmpty ? [id] : devices
        guard targets != [context.device.shortID] else { throw .invalid("that is this device") }
        var rows: [API.Peer] = []
        var firstError: DaemonError?
        await withTaskGroup(of: (PublicKeyID, DaemonError?).self) { group in
            for device in targets {
                group.addTask {
                    do throws(DaemonError) { _ = try await connections.connect(device, now: true); return (device, nil) } catch { return (device, error) }
                }
            }
            for await (device, error) in group {
                if let error, firstError == nil { firstError = error }
                if let row = await connections.row(device) { rows.append(row) }
            }
        }
        if rows.allSatisfy({ $0.state != .connected }), let firstError { throw firstError }
        return rows.sorted { $0.device < $1.device }
    }

    /// Asks `device` (connecting first if needed) for a channel named `name` and closes it
    /// again: whether the peer serves that name. A diagnostic; nothing is sent on it.
    public func probeChannel(_ name: String, on device: PublicKeyID) async throws(DaemonError) -> API.ChannelProbe {
        guard !name.isEmpty, name.utf8.count <= 512, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("a channel name is 1 to 512 bytes without control characters")
        }
        let socket = try await connections().connect(device, now: true)
        do {
            let channel = try await socket.open(name, timeout: .seconds(10))
            channel.close()
            return API.ChannelProbe(name: name, accepted: true)
        } catch let error as ConnectivityError {
            return API.ChannelProbe(name: name, accepted: false, detail: error.description)
        } catch {
            return API.ChannelProbe(name: name, accepted: false, detail: "\(error)")
        }
    }

    /// Closes the socket to `device`.
    public func disconnectPeer(_ device: PublicKeyID) async throws(DaemonError) {
        let connections = try connections()
        guard await connections.row(device) != nil else { throw DaemonError(.noSuchPeer, device.hex) }
        await connections.disconnect(device)
    }
}
