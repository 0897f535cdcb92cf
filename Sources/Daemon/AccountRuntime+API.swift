import Contacts
import DaemonWire
import Identity

// What the local API reads from an account beyond its services' own interfaces.
extension AccountRuntime {
    /// A contact as the API shows it: the wire type itself.
    public typealias ContactView = API.Contact

    /// The devices of this account seen on the DHT, with when (seconds since 1970).
    public nonisolated func devicesSeen() throws(DaemonError) -> [(device: PublicKeyID, seen: Int64)] {
        try database.devices(of: id).map { (device: $0.0, seen: $0.1) }
    }
}

extension API.ContactState {
    init(_ state: Contact.State) {
        self = switch state {
        case .active: .active
        case .removed: .removed
        case .banned: .banned
        }
    }
}
