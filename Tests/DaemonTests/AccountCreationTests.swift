import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Identity
import Logging
import Testing

/// Account creation is all or nothing (issue 13, finding 8): the input is checked before any key
/// is made, and a failure after the keys (here: a DHT address the node cannot bind) leaves no
/// folder, no runtime and no staging debris.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct AccountCreationTests {
    /// What is in the accounts folder, hidden staging folders included.
    static func entries(_ home: DaemonHome) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: home.accounts.path)) ?? []).sorted()
    }

    @Test func invalidInputIsRefusedBeforeAnythingIsMade() async throws {
        let network = try await TestNetwork()
        let d = TestDaemon(network: network)
        defer { d.remove() }
        try await d.start()
        func create(_ body: API.NewAccount) async -> (Int, String) {
            do {
                _ = try await d.client.call(.POST, "/v1/accounts", body: body)
                return (201, "")
            } catch .api(let status, _, let message) {
                return (status, message)
            } catch {
                return (-1, "\(error)")
            }
        }
        let bad: [(API.NewAccount, String)] = [
            (API.NewAccount(displayName: String(repeating: "x", count: 61_000)), "display name"),
            (API.NewAccount(displayName: "a" + String(repeating: "\u{301}", count: 30_000)), "display name"),
            (API.NewAccount(displayName: "Mallory\nFN:Alice"), "control characters"),
            (API.NewAccount(displayName: "\u{1b}[2J"), "control characters"),
            (API.NewAccount(deviceName: ""), "device name"),
            (API.NewAccount(deviceName: String(repeating: "d", count: 65)), "device name"),
            (API.NewAccount(deviceName: "laptop\u{0}"), "control characters"),
            (API.NewAccount(password: String(repeating: "p", count: 2000)), "password"),
        ]
        for (body, reason) in bad {
            let (status, message) = await create(body)
            #expect(status == 400 && message.contains(reason), "\(reason): \(status) \(message)")
        }
        #expect(try await d.client.call(.GET, "/v1/accounts", as: API.AccountList.self).accounts.isEmpty)
        #expect(Self.entries(d.home).isEmpty, "\(Self.entries(d.home))")
        // The limits themselves are accepted.
        let edge = try await d.client.call(.POST, "/v1/accounts", body: API.NewAccount(
            deviceName: String(repeating: "d", count: AccountInput.maxDeviceName), displayName: String(repeating: "é", count: 128)), as: API.Account.self)
        #expect(edge.displayName == String(repeating: "é", count: 128))
        #expect(Self.entries(d.home) == [edge.id])
        await d.stop()
        await network.stop()
    }

    @Test func aFailureAfterTheKeysLeavesNothing() async throws {
        let home = DaemonHome(root: FileManager.default.temporaryDirectory.appendingPathComponent("rafikid-atomic-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: home.root) }
        var config = DaemonConfiguration()
        config.bootstrap = []
        // TEST-NET-1 (RFC 5737) is on no interface here: the DHT node cannot bind, after the keys
        // are made and the account folder is in place.
        config.dhtHost = "192.0.2.1"
        var logger = Logger(label: "test-atomic")
        logger.logLevel = .critical
        let daemon = Daemon(home: home, configuration: config, logger: logger, keyBits: 2048)
        await #expect(throws: DaemonError.self) { try await daemon.createAccount(password: nil, deviceName: "d", displayName: "Me") }
        #expect(await daemon.accountIDs.isEmpty)
        #expect(Self.entries(home).isEmpty, "\(Self.entries(home))")
        await daemon.stop()
    }

    @Test func interruptedCreationsAreCleanedAtStart() async throws {
        let home = DaemonHome(root: FileManager.default.temporaryDirectory.appendingPathComponent("rafikid-staging-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: home.root) }
        // What a crash between the first write and the rename leaves.
        let leftover = home.accounts.appendingPathComponent(".staging-\(String(repeating: "a", count: 40))-1")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: leftover.appendingPathComponent("archive.gz"))
        var config = DaemonConfiguration()
        config.bootstrap = []
        let daemon = Daemon(home: home, configuration: config, logger: Logger(label: "test-staging"), keyBits: 2048)
        #expect(AccountStore(root: home.accounts).accounts().isEmpty)
        await daemon.start()
        #expect(Self.entries(home).isEmpty, "\(Self.entries(home))")
        await daemon.stop()
    }

    @Test func aStagedAccountAppearsWholeOrNotAtAll() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rafiki-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = AccountStore(root: root)
        let (archive, device) = try await AccountFactory.create(bits: 2048)
        let staged = try store.stage(archive, password: nil, device: device, deviceName: "d")
        #expect(store.accounts().isEmpty)
        store.discard(staged)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).isEmpty)
        #expect(try store.commit(store.stage(archive, password: nil, device: device, deviceName: "d")) == true)
        #expect(store.accounts() == [archive.accountID])
        // Imported again (a new device): the files are replaced, the folder and its other files kept.
        let kept = store.folder(archive.accountID).appendingPathComponent(AccountDatabase.fileName)
        try Data("db".utf8).write(to: kept)
        let second = try await DeviceIdentity.createOnOwnThread(for: archive, bits: 2048)
        #expect(try store.commit(store.stage(archive, password: nil, device: second, deviceName: "e")) == false)
        #expect(try store.device(archive.accountID).shortID == second.shortID)
        #expect(FileManager.default.fileExists(atPath: kept.path))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []) == [archive.accountID.hex])
        store.remove(archive.accountID)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).isEmpty)
    }
}
