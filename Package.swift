// swift-tools-version: 6.1
// Rafiki: a Swift implementation of the Jami platform. The target list mirrors the protocol stack,
// lowest layer first.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Rafiki",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MessagePack", targets: ["MessagePack"]),
        .library(name: "DHT", targets: ["DHT"]),
        .library(name: "DHTTransport", targets: ["DHTTransport"]),
        .library(name: "Scheduling", targets: ["Scheduling"]),
        .library(name: "DHTSimulation", targets: ["DHTSimulation"]),
        .library(name: "Identity", targets: ["Identity"]),
        .library(name: "SecureDHT", targets: ["SecureDHT"]),
        .library(name: "NameService", targets: ["NameService"]),
        .library(name: "NameClient", targets: ["NameClient"]),
        .library(name: "HTTPServerLimits", targets: ["HTTPServerLimits"]),
        .library(name: "NameServer", targets: ["NameServer"]),
        .library(name: "Contacts", targets: ["Contacts"]),
        .library(name: "StreamFraming", targets: ["StreamFraming"]),
        .library(name: "Multiplexer", targets: ["Multiplexer"]),
        .library(name: "STUN", targets: ["STUN"]),
        .library(name: "ICE", targets: ["ICE"]),
        .library(name: "TURN", targets: ["TURN"]),
        .library(name: "Connectivity", targets: ["Connectivity"]),
        .library(name: "Swarm", targets: ["Swarm"]),
        .library(name: "SwarmIndex", targets: ["SwarmIndex"]),
        .library(name: "SIP", targets: ["SIP"]),
        .library(name: "FileTransfer", targets: ["FileTransfer"]),
        .library(name: "AccountSync", targets: ["AccountSync"]),
        .library(name: "DaemonWire", targets: ["DaemonWire"]),
        .library(name: "Daemon", targets: ["Daemon"]),
        .library(name: "DaemonAPI", targets: ["DaemonAPI"]),
        .library(name: "DaemonClient", targets: ["DaemonClient"]),
        .library(name: "ProcessTuning", targets: ["ProcessTuning"]),
        .executable(name: "rafikid", targets: ["rafikid"]),
        .executable(name: "rafiki", targets: ["rafiki"]),
        .executable(name: "rafiki-dhtnode", targets: ["rafiki-dhtnode"]),
        .executable(name: "rafiki-dht-sim", targets: ["rafiki-dht-sim"]),
        .executable(name: "rafiki-sim", targets: ["rafiki-sim"]),
        .executable(name: "rafiki-dht-bench", targets: ["rafiki-dht-bench"]),
        .executable(name: "rafiki-peer-bench", targets: ["rafiki-peer-bench"]),
        .executable(name: "rafiki-identity-bench", targets: ["rafiki-identity-bench"]),
        .executable(name: "rafiki-nameserver", targets: ["rafiki-nameserver"]),
        .executable(name: "rafiki-nameserver-bench", targets: ["rafiki-nameserver-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
    ],
    targets: [
        // Byte-exact msgpack, bounded decoding.
        .target(name: "MessagePack", swiftSettings: strict),
        // OpenDHT wire protocol and the sans-I/O node core.
        .target(
            name: "DHT",
            dependencies: [
                "MessagePack",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: strict),
        // SwiftNIO UDP adapter driving the core, and the public async API.
        .target(
            name: "DHTTransport",
            dependencies: [
                "DHT",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Virtual clock and executor hooks for the services, so they run in the simulation too.
        .target(name: "Scheduling", swiftSettings: strict),
        // Deterministic virtual network running thousands of cores in one process, and DHT nodes
        // on it for the layers above.
        .target(
            name: "DHTSimulation",
            dependencies: ["DHT", "Scheduling", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: strict),
        // Debian's libargon2 (the archive password KDF) and zlib (archive compression).
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // glibc's mallopt, for rafikid's arena limit.
        .systemLibrary(name: "CMalloc"),
        // Process-wide malloc and event-loop settings of the daemon and its benchmarks.
        .target(
            name: "ProcessTuning",
            dependencies: [
                "CMalloc",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Jami accounts: RSA keys, the CA -> account -> device certificate chain, CRLs, archives.
        .target(
            name: "Identity",
            dependencies: [
                "CArgon2", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict),
        // OpenDHT's SecureDht: signed and encrypted values, certificates on the DHT, store checks.
        .target(
            name: "SecureDHT",
            dependencies: [
                "DHT", "Identity", "MessagePack",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Jami's name-server protocol: name rules, wire shapes, signed registrations, the store
        // contract. No I/O, so the server, the client and the tests share it.
        .target(
            name: "NameService",
            dependencies: ["Identity", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // HTTP client for a name server (ours or ns.jami.net), used by the CLI and the daemon.
        .target(
            name: "NameClient",
            dependencies: [
                "NameService", "Identity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        // Deadlines and a connection bound for our Hummingbird servers (name server, local API).
        .target(
            name: "HTTPServerLimits",
            dependencies: [
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The name server: Hummingbird routes over an SQLite (GRDB) or PostgreSQL store.
        .target(
            name: "NameServer",
            dependencies: [
                "NameService", "HTTPServerLimits",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Jami's contact protocol: trust requests, device announcements, the contact state machine,
        // peer references, vCards. No I/O.
        .target(
            name: "Contacts",
            dependencies: ["DHT", "SecureDHT", "Identity", "MessagePack", "NameService"],
            swiftSettings: strict),
        // Frames cut out of a TCP byte stream as slices (RFC 4571 packets, multiplexer frames).
        .target(
            name: "StreamFraming",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // Jami's multiplexed socket without I/O: [channel, bin] frames, channel requests, version
        // and beacons, fair writes and per-channel read accounting.
        .target(
            name: "Multiplexer",
            dependencies: [
                "MessagePack", "StreamFraming",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict),
        // STUN messages (RFC 5389) for ICE checks and the TURN client: attributes, integrity,
        // fingerprint. No I/O.
        .target(
            name: "STUN",
            dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // ICE over TCP (RFC 8445, RFC 6544) without I/O: candidates and Jami's ice_msg, RFC 4571
        // framing, the connectivity-check and nomination state machine.
        .target(
            name: "ICE",
            dependencies: ["STUN", "StreamFraming", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // A TURN client for TCP relays (RFC 5766 + RFC 6062) without I/O: allocation with
        // long-term credentials, refreshes, permissions, connection attempts and binds.
        .target(
            name: "TURN",
            dependencies: ["STUN", .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // Peer sockets on the network: connection requests, ICE sessions on NIO TCP sockets,
        // TLS (swift-nio-ssl) with Jami's parameters, the multiplexer on top.
        .target(
            name: "Connectivity",
            dependencies: [
                "ICE", "STUN", "TURN", "Multiplexer", "Identity", "MessagePack",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Swarm conversations: git repositories of signed commits (libgit2), Jami's commit
        // messages, the validation of fetched histories. No network.
        .target(
            name: "Swarm",
            dependencies: ["CGit2", "Identity", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // The SIP subset Jami devices speak on `sip` channels (MESSAGE, answers). No I/O.
        .target(name: "SIP", swiftSettings: strict),
        // Swarm file transfer without I/O: offers in commits, file ids, `data-transfer://` channel
        // names with their ranges, and the receiving side's count and SHA3-512 check.
        .target(
            name: "FileTransfer",
            dependencies: ["Swarm", "CLibCrypto"],
            swiftSettings: strict),
        // Sync between the devices of one account over `sync://` channels: jamid's SyncMsg
        // (contacts, trust requests, conversations, conversation requests) in msgpack. No I/O.
        .target(
            name: "AccountSync",
            dependencies: ["Contacts", "Identity", "MessagePack"],
            swiftSettings: strict),
        // The messages of the account's conversations in SQLite (FTS5) for paging and search;
        // derived from the repositories and rebuilt from them.
        .target(
            name: "SwarmIndex",
            dependencies: ["Swarm", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        // The local API on the wire: bodies, answers, events, endpoints and error codes, shared by
        // the server (DaemonAPI), its clients (DaemonClient, the CLI) and the daemon. No dependency.
        .target(name: "DaemonWire", swiftSettings: strict),
        // The daemon's core: accounts online on the DHT, presence, contacts and requests, state in SQLite.
        .target(
            name: "Daemon",
            dependencies: [
                "DaemonWire", "Contacts", "DHT", "DHTTransport", "SecureDHT", "Identity", "NameClient", "Scheduling",
                "Connectivity", "ICE", "TURN", "Swarm", "SwarmIndex", "SIP", "FileTransfer", "AccountSync",
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The local API: REST under /v1 and a WebSocket event stream, bearer-token protected.
        .target(
            name: "DaemonAPI",
            dependencies: [
                "Daemon", "DaemonWire", "Contacts", "Identity", "HTTPServerLimits", "Swarm",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // What the CLI (and tests) use to talk to a running daemon.
        .target(
            name: "DaemonClient",
            dependencies: [
                "DaemonWire", "NameService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "rafikid",
            dependencies: [
                "Daemon", "DaemonAPI", "DaemonWire", "ProcessTuning",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["exports.map"],
            swiftSettings: strict,
            // Release only, for an idle daemon's memory (Scripts/memory/measure.py): lld with
            // packed relative relocations (3.4 MiB of `.rela.dyn` becomes a few KiB) and no
            // exported symbols (1.8 MiB of dynamic symbol tables).
            linkerSettings: [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                                           "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/rafikid/exports.map"], .when(configuration: .release))]),
        // For tests and benchmarks: a throwaway PostgreSQL server, and blocking work kept off the
        // cooperative thread pool.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // The user-facing CLI.
        .executableTarget(
            name: "rafiki",
            dependencies: [
                "Identity", "SecureDHT", "DHT", "DHTTransport", "NameService", "NameClient", "Contacts", "Daemon", "DaemonWire", "DaemonClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-nameserver",
            dependencies: [
                "NameServer", "NameService",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-dhtnode",
            dependencies: [
                "DHTTransport", "SecureDHT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // Whole account stacks (the daemon's services, SQLite state, SecureDHT) on the simulated
        // DHT with a virtual clock: the scenario behind `rafiki-sim`.
        .target(
            name: "StackSimulation",
            dependencies: [
                "Daemon", "DaemonWire", "DHTSimulation", "Scheduling", "SecureDHT", "Contacts", "Identity", "DHT",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-sim",
            dependencies: ["StackSimulation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-dht-sim",
            dependencies: ["DHTSimulation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-dht-bench",
            dependencies: [
                "DHTTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-peer-bench",
            dependencies: [
                "Connectivity", "ICE", "Identity", "ProcessTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-identity-bench",
            dependencies: ["Identity", "SecureDHT", "DHT", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-nameserver-bench",
            dependencies: [
                "NameServer", "NameService", "Identity", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "MessagePackTests", dependencies: ["MessagePack"]),
        .testTarget(name: "DHTTests", dependencies: ["DHT", "DHTSimulation"]),
        .testTarget(
            name: "DHTTransportTests",
            dependencies: [
                "DHT", "DHTTransport", "MessagePack",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(name: "InteropTests", dependencies: ["DHTTransport", "SecureDHT", "Identity", "TestSupport"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity"]),
        .testTarget(name: "SecureDHTTests", dependencies: ["SecureDHT", "DHTTransport", "Identity"]),
        .testTarget(name: "StackSimulationTests", dependencies: ["StackSimulation", "Daemon", "DaemonWire", "DHTSimulation", "Contacts", "Identity", "DHT", "TestSupport"]),
        .testTarget(name: "MultiplexerTests", dependencies: ["Multiplexer", "MessagePack", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "STUNTests", dependencies: ["STUN", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "ICETests", dependencies: ["ICE", "STUN", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "ConnectivityTests",
            dependencies: [
                "Connectivity", "ICE", "Multiplexer", "Identity", "TURN", "STUN", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "ContactsTests", dependencies: ["Contacts", "DHT", "Identity", "NameService", "MessagePack"]),
        .testTarget(name: "SwarmTests", dependencies: ["Swarm", "Identity", "TestSupport"]),
        .testTarget(name: "SIPTests", dependencies: ["SIP"]),
        .testTarget(name: "AccountSyncTests", dependencies: ["AccountSync", "Contacts", "Identity", "MessagePack"]),
        .testTarget(name: "FileTransferTests", dependencies: ["FileTransfer", "Swarm", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "SwarmIndexTests", dependencies: ["SwarmIndex", "Swarm", "Identity", "TestSupport"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "DaemonAPI", "DaemonClient", "DaemonWire", "Contacts", "DHT", "DHTTransport", "SecureDHT", "Identity", "MessagePack", "Connectivity",
                "HTTPServerLimits", "NameService", "NameClient", "TestSupport", "Swarm", "FileTransfer", "AccountSync",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(name: "HTTPServerLimitsTests", dependencies: ["HTTPServerLimits", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "NameServerTests",
            dependencies: [
                "NameService", "NameClient", "NameServer", "Identity", "TestSupport", "HTTPServerLimits",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "NameClientTests", dependencies: ["NameClient", "NameService", "Identity", "TestSupport"]),
    ]
)
