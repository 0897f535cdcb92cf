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
        .library(name: "DHTSimulation", targets: ["DHTSimulation"]),
        .library(name: "Identity", targets: ["Identity"]),
        .library(name: "SecureDHT", targets: ["SecureDHT"]),
        .executable(name: "rafiki", targets: ["rafiki"]),
        .executable(name: "rafiki-dhtnode", targets: ["rafiki-dhtnode"]),
        .executable(name: "rafiki-dht-sim", targets: ["rafiki-dht-sim"]),
        .executable(name: "rafiki-dht-bench", targets: ["rafiki-dht-bench"]),
        .executable(name: "rafiki-identity-bench", targets: ["rafiki-identity-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
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
        // Deterministic virtual network running thousands of cores in one process.
        .target(
            name: "DHTSimulation",
            dependencies: ["DHT", .product(name: "HeapModule", package: "swift-collections")],
            swiftSettings: strict),
        // Debian's libargon2 (the archive password KDF) and zlib (archive compression).
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
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
                "DHT", "DHTTransport", "Identity", "MessagePack",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The user-facing CLI.
        .executableTarget(
            name: "rafiki",
            dependencies: ["Identity", "SecureDHT", "DHT", "DHTTransport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(
            name: "rafiki-dhtnode",
            dependencies: [
                "DHTTransport", "SecureDHT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
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
            name: "rafiki-identity-bench",
            dependencies: ["Identity", "SecureDHT", "DHT", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .testTarget(name: "MessagePackTests", dependencies: ["MessagePack"]),
        .testTarget(name: "DHTTests", dependencies: ["DHT", "DHTSimulation"]),
        .testTarget(name: "InteropTests", dependencies: ["DHTTransport", "SecureDHT", "Identity"]),
        .testTarget(name: "IdentityTests", dependencies: ["Identity"]),
        .testTarget(name: "SecureDHTTests", dependencies: ["SecureDHT", "DHTTransport", "Identity"]),
    ]
)
