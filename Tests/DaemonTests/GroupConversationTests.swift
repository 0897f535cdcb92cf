@testable import Daemon
import DaemonClient
import DaemonWire
import Foundation
import Testing

/// A group of 20 accounts on four rafikid (five accounts each, every one with its own DHT node
/// and peer connections): the admin invites 19, each accepts (clones, joins), and a message
/// from a member reaches all the others.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct GroupConversationTests {
    @Test func aMessageReachesEveryMemberOfAGroupOfTwenty() async throws {
        try await withTestNetwork { network in
            var daemons: [TestDaemon] = []
            var members: [(daemon: TestDaemon, account: API.Account)] = []
            for d in 0..<4 {
                let daemon = TestDaemon(network: network)
                try await daemon.start()
                daemons.append(daemon)
                for i in 0..<5 { members.append((daemon, try await daemon.createAccount("M\(d * 5 + i)"))) }
            }
            for (daemon, account) in members {
                try await daemon.recorder.wait("\(account.displayName ?? "") registered") {
                    $0.type == .registration && $0.account == account.id && $0.state == "registered"
                }
            }
            let (adminDaemon, admin) = members[0]
            let others = members.dropFirst()
            let group = try await adminDaemon.client.call(.createConversation, account: admin.id,
                                                          body: API.NewConversation(members: others.map(\.account.id)), as: API.Conversation.self)
            #expect(group.members.filter { $0.role == .invited }.count == 19)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (daemon, account) in others {
                    tasks.addTask {
                        try await daemon.recorder.wait("\(account.displayName ?? "") invited", timeout: .seconds(120)) {
                            $0.type == .conversationRequest && $0.account == account.id && $0.conversationId == group.id
                        }
                        _ = try await daemon.client.call(.acceptConversation, account: account.id, conversation: group.id, as: API.Conversation.self)
                    }
                }
                try await tasks.waitForAll()
            }
            let deadline = ContinuousClock.now + .seconds(120)
            var joined = 0
            while ContinuousClock.now < deadline {
                let view = try await adminDaemon.client.call(.conversation, account: admin.id, conversation: group.id, as: API.Conversation.self)
                joined = view.members.filter { $0.role == .member }.count
                if joined == 19 { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(joined == 19, "the admin saw \(joined) of 19 joins")

            let (senderDaemon, sender) = members[7]
            let sent = try await senderDaemon.client.call(.sendMessage, account: sender.id, conversation: group.id,
                                                          body: API.SendMessage(body: "hello, all nineteen of you"), as: API.Message.self)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (daemon, account) in members where account.id != sender.id {
                    tasks.addTask {
                        try await daemon.recorder.wait("the message at \(account.displayName ?? "")", timeout: .seconds(120)) {
                            $0.type == .messageReceived && $0.account == account.id && $0.message?.id == sent.id
                        }
                    }
                }
                try await tasks.waitForAll()
            }
        }
    }
}
