import DaemonWire
import Hummingbird

// The answers the routes return as JSON.
extension API.Contact: ResponseEncodable {}
extension API.Status: ResponseEncodable {}
extension API.Account: ResponseEncodable {}
extension API.Export: ResponseEncodable {}
extension API.Profile: ResponseEncodable {}
extension API.RequestPage: ResponseEncodable {}
extension API.AccountList: ResponseEncodable {}
extension API.ContactList: ResponseEncodable {}
extension API.PresenceList: ResponseEncodable {}
extension API.PeerList: ResponseEncodable {}
extension API.ChannelProbe: ResponseEncodable {}
extension API.Conversation: ResponseEncodable {}
extension API.ConversationList: ResponseEncodable {}
extension API.ConversationRequestList: ResponseEncodable {}
extension API.Message: ResponseEncodable {}
extension API.MessagePage: ResponseEncodable {}
extension API.FileTransfer: ResponseEncodable {}
extension API.FileList: ResponseEncodable {}
extension API.ConversationProfile: ResponseEncodable {}
extension API.DeviceLink: ResponseEncodable {}
