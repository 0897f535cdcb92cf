import HTTPServerLimits
import Prometheus

/// Counters of the name server, exported in Prometheus' text format on `/metrics`. Each server
/// owns its registry (not the process-wide `MetricsSystem`), so several servers can live in one
/// process, as they do in the tests.
public struct NameServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    let nameFound, nameNotFound, nameInvalid: Counter
    let addressFound, addressNotFound, addressInvalid: Counter
    let registered, repeated, taken, addressHasName, rejected, rateLimited: Counter
    let storeErrors: Counter
    let lookupDuration, registrationDuration: DurationHistogram
    let openConnections: Gauge
    private let connectionEvents: [String: Counter]

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func lookups(_ kind: String, _ result: String) -> Counter {
            registry.makeCounter(name: "nameserver_lookups_total", labels: [("kind", kind), ("result", result)])
        }
        func registrations(_ outcome: String) -> Counter {
            registry.makeCounter(name: "nameserver_registrations_total", labels: [("outcome", outcome)])
        }
        nameFound = lookups("name", "found")
        nameNotFound = lookups("name", "not_found")
        nameInvalid = lookups("name", "invalid")
        addressFound = lookups("address", "found")
        addressNotFound = lookups("address", "not_found")
        addressInvalid = lookups("address", "invalid")
        registered = registrations("registered")
        repeated = registrations("repeated")
        taken = registrations("name_taken")
        addressHasName = registrations("address_has_name")
        rejected = registrations("rejected")
        rateLimited = registrations("rate_limited")
        storeErrors = registry.makeCounter(name: "nameserver_store_errors_total")
        let buckets: [Duration] = [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5),
                                   .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1)]
        lookupDuration = registry.makeDurationHistogram(name: "nameserver_lookup_duration_seconds", buckets: buckets)
        registrationDuration = registry.makeDurationHistogram(name: "nameserver_registration_duration_seconds", buckets: buckets)
        openConnections = registry.makeGauge(name: "nameserver_connections_open")
        let events: [ConnectionEvent] = [.refused, .evicted, .timedOut(.idle), .timedOut(.head), .timedOut(.body)]
        connectionEvents = Dictionary(uniqueKeysWithValues: events.map {
            ($0.label, registry.makeCounter(name: "nameserver_connections_closed_total", labels: [("reason", $0.label)]))
        })
    }

    /// Counts a connection the limits closed.
    func connectionEvent(_ event: ConnectionEvent) {
        connectionEvents[event.label]?.increment()
    }
}
