import Daemon
import DaemonWire
import Hummingbird
import Logging

/// Gives every error answer the API's body (``APIError``): Hummingbird's own errors (a body that
/// does not decode, no such route, a body over the limit) keep their status and message and get
/// a code; anything else thrown is logged and answered `500` in our words. Added last, so it sits
/// inside the CORS middleware, which then adds its headers to these answers too.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error)
        } catch let error as DaemonError {
            throw APIError(error)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            context.logger.error("API request failed unexpectedly", metadata: ["path": "\(request.uri.path.prefix(100))", "error": "\(error)"])
            throw APIError(.internal, "internal error (the daemon's log has the details)")
        }
    }
}
