import ArgumentParser
import DHT

/// `serve`'s limits for operators of public nodes (issue #13); every default is `DHTConfig`'s.
struct LimitOptions: ParsableArguments {
    private static let defaults = DHTConfig()

    @Option(help: "Requests accepted per second from one IP (default \(defaults.maxRequestsPerSecondPerIP ?? 0)).")
    var rateLimitPerIp: Int?

    @Option(help: "Requests accepted per second in all (default \(defaults.maxRequestsPerSecond ?? 0)).")
    var rateLimit: Int?

    @Option(help: ArgumentHelp("Values stored for others, in MiB (default \(defaults.maxStorageBytes >> 20)); beyond it the IP storing the most loses its oldest values.", valueName: "MiB"))
    var maxStorage: Int?

    @Option(help: "Listeners kept in all (default \(defaults.maxListeners)).")
    var maxListeners: Int?

    @Option(help: "Listeners kept per key (default \(defaults.maxListenersPerKey)).")
    var maxListenersPerKey: Int?

    @Option(help: ArgumentHelp("Bytes that values arriving in parts may hold, in MiB (default \(defaults.maxPartBytes >> 20)).", valueName: "MiB"))
    var partBudget: Int?

    @Option(help: ArgumentHelp("The same per source IP, in MiB (default \(defaults.maxPartBytesPerSource >> 20)).", valueName: "MiB"))
    var partBudgetPerSource: Int?

    func validate() throws {
        let all = [rateLimitPerIp, rateLimit, maxStorage, maxListeners, maxListenersPerKey, partBudget, partBudgetPerSource]
        if all.contains(where: { ($0 ?? 1) < 1 || ($0 ?? 0) > 1 << 30 }) {
            throw ValidationError("limits must be between 1 and 2^30")
        }
    }

    func apply(to c: inout DHTConfig) {
        if let rateLimitPerIp, c.maxRequestsPerSecondPerIP != nil { c.maxRequestsPerSecondPerIP = rateLimitPerIp }
        if let rateLimit, c.maxRequestsPerSecond != nil { c.maxRequestsPerSecond = rateLimit }
        if let maxStorage { c.maxStorageBytes = maxStorage << 20 }
        if let maxListeners { c.maxListeners = maxListeners }
        if let maxListenersPerKey { c.maxListenersPerKey = maxListenersPerKey }
        if let partBudget { c.maxPartBytes = partBudget << 20 }
        if let partBudgetPerSource { c.maxPartBytesPerSource = partBudgetPerSource << 20 }
    }
}
