import Contacts
import MessagePack
import Testing

/// The ImMessage a commit notification travels in when no `sip` channel is open.
@Suite struct ImMessageTests {
    @Test func aGitMessageNotificationIsTheMapJamidReads() throws {
        let conversation = String(repeating: "a", count: 40), commit = String(repeating: "b", count: 40), device = String(repeating: "c", count: 64)
        let m = ImMessage.gitMessage(conversation: conversation, commit: commit, device: device, id: 42, date: 1_700_000_000)
        var r = MessagePackReader(m.encoded())
        #expect(try r.readMapHeader() == 6)
        var fields: [String: String] = [:]
        for _ in 0..<6 {
            let key = try r.readString()
            switch key {
            case "id": fields[key] = String(try r.readUInt())
            case "date": fields[key] = String(try r.readInt())
            case "status": fields[key] = String(try r.readUInt())
            case "metadatas": fields[key] = String(try r.readMapHeader())
            default: fields[key] = try r.readString()
            }
        }
        #expect(r.isAtEnd)
        #expect(fields == ["id": "42", "date": "1700000000", "status": "0", "metadatas": "0", "datatype": "application/im-gitmessage-id",
                           "msg": #"{"commit":"\#(commit)","deviceId":"\#(device)","id":"\#(conversation)"}"#])
    }
}
