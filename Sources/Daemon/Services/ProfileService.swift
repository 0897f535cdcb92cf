import Connectivity
import Contacts
import Crypto
import DaemonWire
import FileTransfer
import Foundation
import Identity
import NIOCore
import Scheduling
import Swarm

/// Profiles (vCards) between devices, as jamid 13.7 exchanges them over `data-transfer://`
/// channels (jami-protocol §6, last paragraph):
///
/// - `data-transfer://<conversation>/<sender device>/profile.vcf`: a member's device pushes its
///   account's profile to us (the opener writes it, then closes);
/// - `data-transfer://profile.vcf`: one of our own devices pushes our profile;
/// - `data-transfer://<conversation>/profile/<account>.vcf`: a device asks for a profile; we
///   answer ours to members, and the ones we keep only to our own devices.
///
/// A push is sent once per device and version (the digest each device got is kept), after a
/// fetch from that device and to the devices with a socket open when our profile changes.
public actor ProfileService {
    /// The largest profile taken (a vCard with a photo; jamid has no limit, ours protects the disk).
    public static let maxBytes = 2 << 20
    /// A profile is small and sent at once: a channel still open after this is closed, and
    /// at most ``maxReadsPerAccount`` are read at a time per account, so a member's flood of
    /// half-sent profiles holds a few buffers for a short while, not 512 of 2 MiB for ever.
    static let readDeadline = Duration.seconds(30)
    static let maxReadsPerAccount = 2
    static let ownName = "data-transfer://profile.vcf"

    let context: AccountContext
    let contacts: ContactBook
    let swarm: SwarmService
    let connections: Connections
    /// Accounts whose profile we asked for in this run (once each: a device without one answers
    /// nothing, and every fetch from it would ask again).
    var pulled: Set<PublicKeyID> = []
    /// Profile channels being read now, by the account that opened them.
    var reading: [PublicKeyID: Int] = [:]

    public init(context: AccountContext, contacts: ContactBook, swarm: SwarmService, connections: Connections) {
        self.context = context
        self.contacts = contacts
        self.swarm = swarm
        self.connections = connections
    }

    /// Whether `name` is a profile channel rather than a file's.
    public nonisolated static func isProfileChannel(_ name: String) -> Bool {
        name == ownName || (name.hasPrefix(TransferRequest.prefix) && name.hasSuffix(".vcf"))
    }

    /// A profile channel a peer opened.
    public nonisolated func serve(_ channel: PeerChannel, from peer: Connections.PeerDevice) async {
        let parts = channel.name.dropFirst(TransferRequest.prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        do {
            if channel.name == Self.ownName {
                guard peer.account == context.account else { throw DaemonError(.notAllowed, "our profile from another account") }
                try await contacts.setProfile(try await read(channel, from: peer.account))
                context.emit(.profileReceived, peer: peer.account) { $0.displayName = contacts.displayName() }
            } else if parts.count == 3, parts[2] == "profile.vcf", let conversation = ObjectID(hex: String(parts[0])) {
                guard let long = peer.long, parts[1] == long.hex else { throw DaemonError(.notAllowed, "the device in the name is not the peer's") }
                guard await swarm.isMember(peer.account, of: conversation) || peer.account == context.account else {
                    throw DaemonError(.notAllowed, "\(peer.account) is not a member of \(conversation)")
                }
                try await received(try await read(channel, from: peer.account), of: peer.account)
            } else if parts.count == 3, parts[1] == "profile", let conversation = ObjectID(hex: String(parts[0])),
                      let account = PublicKeyID(hex: parts[2].dropLast(4)) {
                try await answer(channel, for: account, in: conversation, to: peer)
            } else {
                throw DaemonError(.invalid, "not a profile channel")
            }
        } catch {
            context.logger.info("refused a profile channel", metadata: ["channel": "\(channel.name.prefix(160))", "from": "\(peer.device)", "reason": "\(error)"])
        }
        channel.close()
    }

    /// A pull: ours to a member's device; another account's, as we keep it, to our own devices.
    func answer(_ channel: PeerChannel, for account: PublicKeyID, in conversation: ObjectID, to peer: Connections.PeerDevice) async throws {
        let vcard: [UInt8]?
        if account == context.account {
            guard await swarm.isMember(peer.account, of: conversation) || peer.account == context.account else {
                throw DaemonError(.notAllowed, "\(peer.account) is not a member")
            }
            vcard = contacts.profile()
        } else {
            guard peer.account == context.account else { throw DaemonError(.notAllowed, "others' profiles go to our own devices only") }
            vcard = try context.database.profile(of: account.hex)
        }
        if let vcard { try await channel.write(ByteBuffer(bytes: vcard)) }
    }

    /// Keeps a profile another account's device sent (a contact's display name comes from it).
    func received(_ vcard: [UInt8], of account: PublicKeyID) throws(DaemonError) {
        guard try context.database.setProfile(vcard, of: account.hex, at: context.scheduler.unixSeconds) else { return }
        context.logger.info("received a profile", metadata: ["account": "\(account)", "name": "\(VCard.displayName(in: vcard) ?? "")"])
        context.emit(.profileReceived, peer: account) { $0.displayName = VCard.displayName(in: vcard) }
    }

    /// A profile `account` pushes, read when fewer than ``maxReadsPerAccount`` of its are.
    func read(_ channel: PeerChannel, from account: PublicKeyID) async throws -> [UInt8] {
        guard reading[account, default: 0] < Self.maxReadsPerAccount else {
            throw DaemonError(.notAllowed, "busy: \(Self.maxReadsPerAccount) profiles from \(account) are being read")
        }
        reading[account, default: 0] += 1
        defer { if let n = reading[account], n > 1 { reading[account] = n - 1 } else { reading[account] = nil } }
        return try await Self.read(channel, scheduler: context.scheduler)
    }

    /// The bytes the opener writes until it closes; more than ``maxBytes``, or a channel open
    /// past ``readDeadline``, is cut off.
    static func read(_ channel: PeerChannel, scheduler: Scheduler) async throws -> [UInt8] {
        let started = scheduler.unixMilliseconds
        let watchdog = channel.closing(after: readDeadline, on: scheduler)
        defer { watchdog.cancel() }
        var bytes: [UInt8] = []
        for try await chunk in channel.inbound {
            guard bytes.count + chunk.readableBytes <= maxBytes else { throw DaemonError(.tooLarge, "a profile over \(maxBytes) bytes") }
            bytes += chunk.readableBytesView
        }
        guard scheduler.unixMilliseconds - started < readDeadline.wholeMilliseconds else { throw DaemonError(.invalid, "a profile still not sent whole after \(readDeadline)") }
        guard !bytes.isEmpty else { throw DaemonError(.invalid, "an empty profile") }
        return bytes
    }

    /// Sends our profile to `device` over its open socket when it has not received this
    /// version yet: as a member of `conversation`, or, for our own devices, as ours.
    public func push(to device: Connections.PeerDevice, in conversation: ObjectID?) async {
        let vcard = contacts.profile()
        let digest = IncomingFile.hex(SHA3_256.hash(data: vcard))
        guard (try? context.database.pushedProfile(to: device.device.hex)) != digest,
              let socket = await connections.openSocket(device.device) else { return }
        let name = device.account == context.account ? Self.ownName
            : "\(TransferRequest.prefix)\(conversation?.hex ?? "")/\(context.device.longID.hex)/profile.vcf"
        guard device.account == context.account || conversation != nil else { return }
        do {
            let channel = try await socket.open(name)
            try await channel.write(ByteBuffer(bytes: vcard))
            channel.close()
            context.recording("the profile pushed to \(device.device)") { () throws(DaemonError) in
                try context.database.setPushedProfile(digest, to: device.device.hex)
            }
        } catch {
            context.logger.info("could not push our profile", metadata: ["device": "\(device.device)", "reason": "\(error)"])
        }
    }

    /// Asks `device` for `account`'s profile (`…/profile/<account>.vcf`) when we have none:
    /// what jamid does after cloning a 1:1 (only then: in a group every member's devices push
    /// theirs), so a new contact has a name before it pushes one.
    public func pullIfMissing(_ account: PublicKeyID, in conversation: ObjectID, from device: Connections.PeerDevice) async {
        guard account != context.account, !pulled.contains(account), await swarm.isOneToOne(conversation),
              (try? context.database.profile(of: account.hex)) == .some(nil),
              let socket = await connections.openSocket(device.device) else { return }
        pulled.insert(account)
        do {
            let channel = try await socket.open("\(TransferRequest.prefix)\(conversation.hex)/profile/\(account.hex).vcf")
            defer { channel.close() }
            try received(try await Self.read(channel, scheduler: context.scheduler), of: account)
        } catch {
            context.logger.info("no profile from the device", metadata: ["device": "\(device.device)", "reason": "\(error)"])
        }
    }

    /// Our profile changed: every member or own device with a socket open gets it now.
    public func profileChanged() async {
        for account in [context.account] + (await swarm.accountsSharingConversations()) {
            let conversation = await swarm.sharedConversation(with: account)
            for device in await connections.openDevices(of: account) where device != context.device.shortID {
                await push(to: Connections.PeerDevice(account: account, device: device), in: conversation)
            }
        }
    }
}
