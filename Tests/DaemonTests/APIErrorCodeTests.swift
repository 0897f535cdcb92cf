@testable import Daemon
@testable import DaemonAPI
import DaemonWire
import Foundation
import NameClient
import Testing

/// The typed error model (issue 14): every code has one status, and daemon and name-client
/// errors keep their kind as a code.
@Suite(.timeLimit(.minutes(3)))
struct APIErrorCodeTests {
    @Test func everyCodeHasItsStatus() {
        let expected: [API.ErrorCode: Int] = [
            .invalid: 400, .passwordRequired: 400, .http: 400, .tooLarge: 413, .unauthorized: 401, .wrongPassword: 403, .foreignOrigin: 403,
            .noSuchAccount: 404, .noSuchContact: 404, .noSuchRequest: 404, .nameNotFound: 404, .noSuchRoute: 404, .foreignHost: 421,
            .nameServerUnreachable: 502, .nameServerBadAnswer: 502, .nameServer: 502, .network: 503, .storage: 500, .internal: 500,
        ]
        #expect(Set(expected.keys) == Set(API.ErrorCode.allCases))
        for code in API.ErrorCode.allCases {
            #expect(Int(code.status.code) == expected[code], "\(code)")
        }
    }

    @Test func daemonErrorsAreACodeAndAContext() {
        let e = DaemonError.noSuchContact("ab")
        #expect(e.code == .noSuchContact && e.context == "ab" && e.description == "ab is not a contact")
        #expect(e == .noSuchContact("ab") && e != .noSuchContact("cd") && e != .noSuchRequest("ab"))
        #expect(e.location.hasPrefix("DaemonTests/APIErrorCodeTests.swift:"))
        #expect(DaemonError.network("account x is not online").code == .network)
        #expect(DaemonError.passwordRequired.code == .passwordRequired && DaemonError.wrongPassword.description == "wrong password")
        #expect(DaemonError.storage("SQLite error 13").publicMessage == "storage error (the daemon's log has the details)")
    }

    /// Finding 5 of item 3: a lookup's failure reached the API as `.nameServer("\(error)")`.
    @Test func nameClientFailuresKeepTheirKind() {
        let cases: [(NameClientError, API.ErrorCode, Int, String)] = [
            (.notFound, .nameNotFound, 404, "no account is registered as 'bob'"),
            (.unreachable("https://ns.example: connection refused (errno: 111)"), .nameServerUnreachable, 502, "name server: name server unreachable"),
            (.forgedAnswer("bad address zz"), .nameServerBadAnswer, 502, "name server: the name server's answer does not check out (bad address zz); not trusting it"),
            (.serverError(status: 500, message: "<html>"), .nameServerBadAnswer, 502, "name server: name server error 500"),
            (.badRedirect("a redirect loop back to https://ns.example"), .nameServerBadAnswer, 502, "name server: name server redirect not followed"),
            (.rateLimited, .nameServer, 502, "name server: the name server limits registrations from this address; try again later"),
        ]
        for (nameError, code, status, message) in cases {
            let e = DaemonError(nameError, name: "bob")
            #expect(e.code == code, "\(nameError)")
            #expect(Int(e.status.code) == status, "\(nameError)")
            #expect(e.publicMessage == message, "\(nameError)")
        }
    }
}
