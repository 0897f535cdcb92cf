import Daemon
import Hummingbird

// The answers the routes return as JSON.
extension AccountRuntime.ContactView: ResponseEncodable {}
extension API.Status: ResponseEncodable {}
extension API.Account: ResponseEncodable {}
extension API.Export: ResponseEncodable {}
extension API.Profile: ResponseEncodable {}
extension API.RequestPage: ResponseEncodable {}
extension API.AccountList: ResponseEncodable {}
extension API.ContactList: ResponseEncodable {}
extension API.PresenceList: ResponseEncodable {}
