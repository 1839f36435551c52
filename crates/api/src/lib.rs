//! The Latchkey loopback JSON API, over [`latchkey_core`].
//!
//! `latchkey serve` runs it, and the desktop app can embed it: [`bind`] a loopback
//! listener, then [`serve`] (or [`serve_with_shutdown`]) it with a shared
//! [`Arc<Latchkey>`](latchkey_core::Latchkey). [`router`] gives the axum router itself.
//!
//! Every rule (what a key may do, throttling, step-up) is the core's. This crate adds the
//! HTTP: it answers only on 127.0.0.1 and only to `Host: localhost` or `127.0.0.1`, with
//! no port or its own (against DNS rebinding), never sends a CORS header, refuses bodies over 64 KiB, and
//! answers every error as `{ "error": { "code", "message" } }`. The OpenAPI 3.1 document
//! is generated from the handlers ([`openapi`]) and served at `/openapi.json`.
//!
//! The server itself ([`serve`] and the rest) bounds what a client may hold: time to send
//! a request's head and body, time to take a reply, idle time, and the number of
//! connections served at once (see [`ServeOptions`]).

pub mod error;
pub mod extract;
pub mod guard;
pub mod handlers;
pub mod model;
pub mod serve;

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use latchkey_core::Latchkey;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::ApiError;
pub use serve::ServeOptions;

/// Request bodies larger than this are refused with `413`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Request URIs (path and query) longer than this are refused with `414`.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The port `latchkey serve` uses unless told otherwise (as in key files' `api_url`).
pub const DEFAULT_PORT: u16 = 7171;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey",
        description = "The loopback JSON API of Latchkey: verify API keys, and manage the keys of the \
account behind a key.\n\nServed on 127.0.0.1 only; requests must carry `Host: localhost` or \
`Host: 127.0.0.1`, with no port or the server's own, else `421 invalid_host`. No CORS headers are sent. \
Request bodies are JSON (`Content-Type: application/json`) of at most 64 KiB, else \
`413 body_too_large`. A request's head (request line and headers) may be at most 16 KiB \
with at most 100 headers, else `431`, and its URI at most 8 KiB, else `414`. The head and the \
body must each arrive within 10 s, else `408`; a connection idle that long is closed. \
Every error is `{ \"error\": { \"code\", \"message\" } }`, even one about a request \
that could not be parsed as HTTP.\n\n\
Present a key as `X-API-Key: <key>` or `Authorization: Bearer <key>`. What a key may do is \
bounded by its effective permissions: `account:read`, `keys:read`, `keys:write`."
    ),
    servers((url = "http://127.0.0.1:7171", description = "`latchkey serve` on its default port")),
    tags(
        (name = "auth", description = "Signing in with a password"),
        (name = "account", description = "The account behind a key"),
        (name = "keys", description = "API keys: verification and management"),
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An API key, such as one read from a key file's `api_key`",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The same API key as `Authorization: Bearer <key>`"))
                    .build(),
            ),
        );
    }
}

fn parts() -> (Router<handlers::Api>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::auth))
        .routes(routes!(handlers::account))
        .routes(routes!(handlers::list_keys, handlers::create_key))
        .routes(routes!(handlers::edit_key, handlers::revoke_key))
        .routes(routes!(handlers::regenerate_key))
        .routes(routes!(handlers::verify))
        .split_for_parts();
    shared_responses(&mut doc);
    (router, doc)
}

/// The answers any endpoint can give, whatever it does: defined once under
/// `components/responses` and referred to from every operation (`408` only where a body
/// is read).
fn shared_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorResponse")))
                .build(),
        )
    };
    let shared = [
        (
            "408",
            "RequestTimeout",
            error(
                "The request's body did not arrive in time (10 s); the connection is closed. \
                 A request's head has as long, counted from when the server waits for it.",
            ),
        ),
        (
            "414",
            "UriTooLong",
            error("The URI is over 8 KiB (`invalid_input`)"),
        ),
        (
            "431",
            "HeadTooLarge",
            error(
                "The request line and headers are over 16 KiB together, or there are over \
                 100 headers (`invalid_input`); the connection is closed",
            ),
        ),
        (
            "500",
            "InternalError",
            error(
                "A failure inside the server (`storage_error`, `internal_error`, …); the \
                 message says no more, the server's log has the detail",
            ),
        ),
        (
            "503",
            "StoreUnavailable",
            error(
                "The store cannot answer now (`store_busy`, or `store_unavailable` when its \
                 server cannot be reached; try again after `Retry-After`), or it was found \
                 damaged and the server no longer uses it (`store_unavailable`, without \
                 `Retry-After`)",
            )
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(<u64 as utoipa::PartialSchema>::schema()))
                    .description(Some("Seconds to wait before trying again"))
                    .build(),
            ),
        ),
    ]
    .map(|(status, name, response)| (status, name, response.build()));
    let components = doc.components.get_or_insert_with(Default::default);
    for (_, name, response) in &shared {
        components
            .responses
            .insert((*name).to_owned(), RefOr::T(response.clone()));
    }
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for (status, name, _) in &shared {
                if *status == "408" && op.request_body.is_none() {
                    continue;
                }
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
            }
        }
    }
}

/// The OpenAPI 3.1 document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The OpenAPI document exactly as `/openapi.json` serves it (pretty JSON, newline-ended).
pub fn openapi_json() -> String {
    let mut text = openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

/// The endpoints and `/openapi.json`, without the guards of [`guarded`]. For embedding
/// beside other routes; serve the result of [`guarded`], never this alone.
pub fn routes(lk: Arc<Latchkey>) -> Router {
    let (api, doc) = parts();
    let mut text = doc
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    text.push('\n');
    api.route(
        "/openapi.json",
        get(move || {
            let text = text.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    text,
                )
            }
        }),
    )
    .with_state(handlers::Api::new(lk))
}

/// Puts the guards in front of `app`: the Host check, the body cap, JSON errors
/// (including for unknown paths and methods), and no-store caching.
pub fn guarded(app: Router) -> Router {
    app.fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        // A panic in a handler answers this request with a JSON 500; the server, and
        // every other connection, carries on.
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                ApiError::http(
                    latchkey_core::Code::InternalError,
                    "the server failed to answer this request",
                )
                .into_response()
            },
        ))
        .layer(axum::middleware::from_fn(guard::guard))
}

/// The whole API, ready to serve.
pub fn router(lk: Arc<Latchkey>) -> Router {
    guarded(routes(lk))
}

/// Connections the system may hold for the server before it accepts them: beyond its
/// connection cap, clients wait here rather than being turned away.
const LISTEN_BACKLOG: u32 = 1024;

/// A listener on 127.0.0.1 (never another interface); port 0 picks a free port.
pub async fn bind(port: u16) -> io::Result<TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    // As the standard library does: a restarted server can take its port back at once.
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves the API on `listener` until the process ends.
pub async fn serve(listener: TcpListener, lk: Arc<Latchkey>) -> io::Result<()> {
    serve_with_shutdown(listener, lk, std::future::pending()).await
}

/// Serves the API on `listener` until `shutdown` completes, then finishes the requests in
/// flight and writes the last-use times still queued, so a process that exits next loses
/// none. Refuses a listener that is not on 127.0.0.1.
pub async fn serve_with_shutdown<F>(
    listener: TcpListener,
    lk: Arc<Latchkey>,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_with_options(listener, lk, shutdown, ServeOptions::default()).await
}

/// [`serve_with_shutdown`], with the server's timeouts and connection cap as given.
pub async fn serve_with_options<F>(
    listener: TcpListener,
    lk: Arc<Latchkey>,
    shutdown: F,
    options: ServeOptions,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let queued = lk.clone();
    let served = serve_router_with(listener, router(lk), shutdown, options).await;
    tokio::task::spawn_blocking(move || queued.flush_last_used())
        .await
        .ok();
    served
}

/// Serves any router built with [`guarded`] (the desktop app or a benchmark adding its own
/// routes), with the same loopback-only rule.
pub async fn serve_router<F>(listener: TcpListener, app: Router, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_router_with(listener, app, shutdown, ServeOptions::default()).await
}

/// [`serve_router`], with the server's timeouts and connection cap as given.
pub async fn serve_router_with<F>(
    listener: TcpListener,
    app: Router,
    shutdown: F,
    options: ServeOptions,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let addr = listener.local_addr()?;
    if addr.ip() != IpAddr::V4(Ipv4Addr::LOCALHOST) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the API serves on 127.0.0.1 only, not {}", addr.ip()),
        ));
    }
    // The Host check needs the port actually bound (port 0 picks one); the body read,
    // its time limit.
    let app = app
        .layer(axum::Extension(guard::ServerPort(addr.port())))
        .layer(axum::Extension(guard::BodyTimeout(options.body_timeout)));
    serve::run(listener, app, shutdown, options).await
}
