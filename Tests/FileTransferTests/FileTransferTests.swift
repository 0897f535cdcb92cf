import Crypto
@testable import FileTransfer
import Swarm
import Testing

@Suite struct FileIDTests {
    let commit = ObjectID(hex: String(repeating: "ab", count: 20))!

    @Test func idsRoundTripWithAndWithoutExtension() throws {
        for text in ["\(commit.hex)_123", "\(commit.hex)_9007199254740992.png", "\(commit.hex)_1.tar"] {
            #expect(try FileID(parsing: text).description == text)
        }
        #expect(FileOffer(tid: "5", displayName: "photo.JPEG", size: 1, sha3: "").fileID(commit: commit).description == "\(commit.hex)_5.JPEG")
        #expect(FileID.extension(of: "archive.longextension") == nil)  // 8 bytes and more: none, as jamid
        #expect(FileID.extension(of: "a.1234567") == "1234567")
        #expect(FileID.extension(of: "noext") == nil && FileID.extension(of: "trailing.") == nil)
        #expect(FileID.extension(of: "x.a/b") == nil)
    }

    @Test(arguments: [
        "", "_1", "../../etc/passwd", "\(String(repeating: "ab", count: 20))_", "\(String(repeating: "ab", count: 20))_1/../x",
        "\(String(repeating: "AB", count: 20))x1", "\(String(repeating: "ab", count: 20))_-1", "\(String(repeating: "ab", count: 20))_1.",
        "\(String(repeating: "ab", count: 20))_1.a b", "\(String(repeating: "ab", count: 20))_1.a\u{0}", "\(String(repeating: "ab", count: 20))_99999999999999999999",
        "/\(String(repeating: "ab", count: 20))_1", "\(String(repeating: "ab", count: 20))_1.toolongext",
    ])
    func hostileIdsAreRefused(_ text: String) {
        #expect(throws: TransferError.self) { try FileID(parsing: text) }
    }
}

@Suite struct TransferRequestTests {
    let conversation = ObjectID(hex: String(repeating: "01", count: 20))!
    let device = String(repeating: "c", count: 64)

    @Test func namesRoundTripAndNeverCarryAnEnd() throws {
        let file = try FileID(parsing: "\(String(repeating: "ab", count: 20))_42.txt")
        let fresh = TransferRequest(conversation: conversation, device: device, file: file)
        #expect(fresh.channelName == "data-transfer://\(conversation.hex)/\(device)/\(file)")
        let resumed = TransferRequest(conversation: conversation, device: device, file: file, start: 65536)
        #expect(resumed.channelName.hasSuffix("?start=65536"))
        #expect(try TransferRequest(parsing: resumed.channelName) == resumed)
        // jamid's form with both (it adds `end` only when non-zero).
        let ranged = try TransferRequest(parsing: "data-transfer://\(conversation.hex)/\(device)/\(file)?start=10&end=20")
        #expect(ranged.start == 10 && ranged.end == 20 && ranged.range(in: 100) == 10..<20 && ranged.range(in: 15) == 10..<15)
        #expect(try TransferRequest(parsing: "data-transfer://\(conversation.hex)/\(device)/\(file)?end=0").range(in: 7) == 0..<7)
        #expect(try TransferRequest(parsing: "data-transfer://\(conversation.hex)/\(device)/\(file)?start=99").range(in: 7).isEmpty)
    }

    @Test(arguments: [
        "git://x", "data-transfer://", "data-transfer://profile.vcf", "data-transfer://a/b/c",
        "data-transfer://\(String(repeating: "01", count: 20))/\(String(repeating: "c", count: 64))/../../x",
        "data-transfer://\(String(repeating: "01", count: 20))/\(String(repeating: "c", count: 63))/\(String(repeating: "ab", count: 20))_1",
        "data-transfer://\(String(repeating: "01", count: 20))/\(String(repeating: "c", count: 64))/\(String(repeating: "ab", count: 20))_1?start=x",
        "data-transfer://\(String(repeating: "01", count: 20))/\(String(repeating: "c", count: 64))/\(String(repeating: "ab", count: 20))_1?start=9&end=3",
        "data-transfer://\(String(repeating: "01", count: 20))/\(String(repeating: "c", count: 64))/x/\(String(repeating: "ab", count: 20))_1",
    ])
    func hostileNamesAreRefused(_ name: String) {
        #expect(throws: TransferError.self) { try TransferRequest(parsing: name) }
    }
}

@Suite struct IncomingFileTests {
    static func offer(_ bytes: [UInt8]) -> FileOffer {
        FileOffer(tid: "1", displayName: "f", size: UInt64(bytes.count), sha3: FileHasher.hash(bytes))
    }

    @Test func bytesInPiecesAndAResumedPrefixVerify() throws {
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var f = IncomingFile(Self.offer(bytes), resumingAt: 1000)
        let h = FileHasher()
        bytes.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[..<1000])) }
        for start in stride(from: 1000, to: bytes.count, by: 4096) {
            let piece = bytes[start..<min(start + 4096, bytes.count)]
            try f.receive(piece.count)
            piece.withUnsafeBytes { h.update($0) }
        }
        #expect(f.isComplete)
        try f.verify(sha3: h.finalize())
    }

    /// libcrypto's SHA3-512 against swift-crypto's (an independent implementation), at lengths
    /// around Keccak's 72-byte block.
    @Test func theHasherAgreesWithSwiftCrypto() {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 71, 72, 73, 143, 144, 145, 65_537] {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(FileHasher.hash(bytes) == IncomingFile.hex(SHA3_512.hash(data: bytes)), "\(n) bytes")
        }
    }

    @Test func tooMuchTooLittleAndOtherBytesAreRefused() throws {
        let bytes: [UInt8] = Array(repeating: 7, count: 100)
        let good = FileHasher.hash(bytes)
        var f = IncomingFile(Self.offer(bytes))
        #expect(throws: TransferError.tooLong(expected: 100)) { try f.receive(101) }
        #expect(f.acceptable(101) == 100)
        let none = f.received
        #expect(none == 0)
        try f.receive(50)
        #expect(throws: TransferError.tooShort(received: 50, expected: 100)) { try f.verify(sha3: good) }
        try f.receive(50)
        #expect(throws: TransferError.checksumMismatch) { try f.verify(sha3: FileHasher.hash([UInt8](repeating: 8, count: 100))) }
        try f.verify(sha3: good)
        var empty = IncomingFile(Self.offer([]))
        try empty.verify(sha3: FileHasher.hash([]))
        #expect(throws: TransferError.tooLong(expected: 0)) { try empty.receive(1) }
    }
}

@Suite struct FileOfferTests {
    @Test func offersReadAsJamidWritesThem() throws {
        let sha = String(repeating: "0f", count: 64)
        let m = try CommitMessage(parsing: #"{"displayName":"a.png","sha3sum":"\#(sha)","tid":"123","totalSize":"456","type":"application/data-transfer+json"}"#)
        let offer = try FileOffer(m)
        #expect(offer == FileOffer(tid: "123", displayName: "a.png", size: 456, sha3: sha))
        #expect(offer.message.json == m.json)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<100 { #expect(UInt64(FileOffer.newTID(using: &rng))! <= 1 << 53) }
    }

    @Test(arguments: [
        #"{"type":"text/plain","body":"x"}"#,
        #"{"type":"application/data-transfer+json","tid":"1","totalSize":"-1","sha3sum":"00"}"#,
        #"{"type":"application/data-transfer+json","tid":"1/..","totalSize":"1","sha3sum":"\#(String(repeating: "0", count: 128))"}"#,
        #"{"type":"application/data-transfer+json","tid":"1","totalSize":"1","sha3sum":"\#(String(repeating: "g", count: 128))"}"#,
        #"{"type":"application/data-transfer+json","totalSize":"1","sha3sum":"\#(String(repeating: "0", count: 128))"}"#,
        #"{"type":"application/data-transfer+json","tid":"1","totalSize":"99999999999999999999","sha3sum":"\#(String(repeating: "0", count: 128))"}"#,
    ])
    func badOffersAreRefused(_ json: String) throws {
        let m = try CommitMessage(parsing: json)
        #expect(throws: TransferError.self) { try FileOffer(m) }
    }
}
