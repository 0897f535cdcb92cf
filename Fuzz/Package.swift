// swift-tools-version: 6.1
// libFuzzer targets, kept out of the main package because they are built with
// `--sanitize fuzzer` and have no `main` (libFuzzer provides it). See Fuzz/README.md.
import PackageDescription

let package = Package(
    name: "RafikiFuzz",
    dependencies: [.package(path: "..")],
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
            name: "FuzzPacket",
            dependencies: [.product(name: "DHT", package: "main")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
