import DaemonWire
import HTTPServerLimits
import HTTPTypes
import Hummingbird

/// Applies ``APIAccess`` to every request of a router: refusals are answered with their status
/// (`WWW-Authenticate: Bearer` on a 401) and logged once per interval per kind, with a count,
/// since a web page can send them in a loop.
struct APIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: APIAccess
    /// True on the WebSocket router only.
    let queryTokenAllowed: Bool
    let throttle: LogThrottle

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let credentials = APIAccess.Credentials(
            host: request.head.authority, origins: request.headers[values: .origin], authorization: request.headers[.authorization],
            queryToken: request.uri.queryItem(Endpoint.Query.accessToken),
            isPreflight: request.method == .options && request.headers[.accessControlRequestMethod] != nil)
        guard let refusal = access.refusal(credentials, queryTokenAllowed: queryTokenAllowed) else {
            return try await next(request, context)
        }
        throttle.note(refusal.kind) { count in
            context.logger.notice("API requests refused", metadata: ["reason": "\(refusal.kind)", "count": "\(count)", "path": "\(request.uri.path.prefix(100))"])
        }
        var headers = HTTPFields()
        if refusal.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        throw APIError(refusal.code, refusal.message, headers: headers)
    }
}
