// swift-tools-version: 6.1
// libFuzzer targets, kept out of the main package because they are built with
// `--sanitize fuzzer` and have no `main` (libFuzzer provides it). See Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "RafikiFuzz",
    // Named: a path dependency is otherwise called after its folder, which is not `main` in a worktree.
    dependencies: [.package(name: "main", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzMessagePack",
            dependencies: [.product(name: "MessagePack", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzIdentity",
            dependencies: [.product(name: "Identity", package: "main"), .product(name: "SecureDHT", package: "main"), .product(name: "DHT", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzNameService",
            dependencies: [.product(name: "NameService", package: "main"), .product(name: "Identity", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzContacts",
            dependencies: [.product(name: "Contacts", package: "main"), .product(name: "DHT", package: "main"), .product(name: "Identity", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzValueParts",
            dependencies: [.product(name: "DHT", package: "main"), .product(name: "MessagePack", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzAddresses",
            dependencies: [.product(name: "NameService", package: "main"), .product(name: "Contacts", package: "main"), .product(name: "DHT", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzAPIBodies",
            dependencies: [.product(name: "Daemon", package: "main"), .product(name: "Contacts", package: "main"), .product(name: "NameService", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzSwarm",
            dependencies: [.product(name: "Swarm", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzAccountSync",
            dependencies: [.product(name: "AccountSync", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzFileTransfer",
            dependencies: [.product(name: "FileTransfer", package: "main"), .product(name: "Swarm", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzSIP",
            dependencies: [.product(name: "SIP", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzConnectivity",
            dependencies: [
                .product(name: "Connectivity", package: "main"), .product(name: "ICE", package: "main"),
                .product(name: "Multiplexer", package: "main"), .product(name: "STUN", package: "main"),
                .product(name: "TURN", package: "main"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "FuzzPacket",
            dependencies: [.product(name: "DHT", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
