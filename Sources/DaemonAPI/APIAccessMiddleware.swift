import Hummingbird
import HTTPTypes

/// Refuses (401) any request without `Authorization: Bearer <token>`. WebSocket clients in a
/// browser cannot set headers, so `?access_token=<token>` is accepted too.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization].flatMap { value -> Substring? in
            value.hasPrefix("Bearer ") ? value.dropFirst(7) : nil
        }
        let given = header ?? request.uri.queryParameters["access_token"]
        guard let given, APIToken.matches(given, token) else {
            context.logger.notice("API request refused: missing or wrong token", metadata: ["path": "\(request.uri.path)"])
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            throw HTTPError(.unauthorized, headers: headers, message: "missing or wrong API token (see the daemon's api-token file)")
        }
        return try await next(request, context)
    }
}
