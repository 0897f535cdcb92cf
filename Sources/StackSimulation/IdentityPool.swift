import DaemonWire
import Foundation
import Identity

/// Account identities for the simulation: real CA → account → device chains with RSA-2048 keys
/// (the smallest our identity code accepts; Jami's are 4096, which would take hours to make for
/// a thousand accounts). Made once and kept in a folder, so runs with the same seed use the same
/// keys (the keys decide where values live on the DHT, so they are part of what a seed replays).
public struct IdentityPool: Sendable {
    public struct Member: Sendable {
        public var archive: AccountArchive
        public var device: DeviceIdentity
    }

    public let members: [Member]
    static let bits = 2048

    /// The first `count` identities kept in `folder`, made (and kept) as needed. `progress`
    /// hears how many are ready.
    public static func load(count: Int, folder: URL, progress: @Sendable (Int) -> Void = { _ in }) async throws -> IdentityPool {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = AccountStore(root: folder)
        let indexFile = folder.appendingPathComponent("order.txt")
        var order = ((try? String(contentsOf: indexFile, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { PublicKeyID(hex: String($0)) }
        // Only identities that load completely count; a run killed while writing leaves a partial one.
        var members: [Member] = []
        for id in order {
            guard members.count < count, let archive = try? store.archive(id, password: nil), let device = try? store.device(id) else { break }
            members.append(Member(archive: archive, device: device))
        }
        order = Array(order.prefix(members.count))
        progress(members.count)
        while members.count < count {
            let batch = min(8, count - members.count)
            let made = try await withThrowingTaskGroup(of: Member.self) { group in
                for _ in 0..<batch { group.addTask { let m = try await AccountFactory.create(bits: bits); return Member(archive: m.archive, device: m.device) } }
                return try await group.reduce(into: [Member]()) { $0.append($1) }
            }
            for m in made.sorted(by: { $0.archive.accountID < $1.archive.accountID }) {
                try store.save(m.archive, password: nil, device: m.device, deviceName: "sim")
                members.append(m)
                order.append(m.archive.accountID)
            }
            try order.map(\.hex).joined(separator: "\n").write(to: indexFile, atomically: true, encoding: .utf8)
            progress(members.count)
        }
        return IdentityPool(members: members)
    }

    /// Where identities are kept unless told otherwise.
    public static func defaultFolder() -> URL {
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("rafiki-sim/identities-\(bits)")
    }
}
