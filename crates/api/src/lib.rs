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

pub mod error;
pub mod extract;
pub mod guard;
pub mod handlers;
pub mod model;

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

/// Request bodies larger than this are refused with `413`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

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
`413 body_too_large`. Every error is `{ \"error\": { \"code\", \"message\" } }`.\n\n\
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
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::auth))
        .routes(routes!(handlers::account))
        .routes(routes!(handlers::list_keys, handlers::create_key))
        .routes(routes!(handlers::edit_key, handlers::revoke_key))
        .routes(routes!(handlers::regenerate_key))
        .routes(routes!(handlers::verify))
        .split_for_parts()
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

/// A listener on 127.0.0.1 (never another interface); port 0 picks a free port.
pub async fn bind(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)).await
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
    let queued = lk.clone();
    let served = serve_router(listener, router(lk), shutdown).await;
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
    let addr = listener.local_addr()?;
    if addr.ip() != IpAddr::V4(Ipv4Addr::LOCALHOST) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the API serves on 127.0.0.1 only, not {}", addr.ip()),
        ));
    }
    // The Host check needs the port actually bound (port 0 picks one).
    let app = app.layer(axum::Extension(guard::ServerPort(addr.port())));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
