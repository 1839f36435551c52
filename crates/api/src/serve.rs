//! The HTTP/1.1 server under the API: hyper's, driven by an accept loop of our own so
//! that no client can hold the server hostage.
//!
//! - A request's head must arrive within [`ServeOptions::header_timeout`], counted from
//!   the moment the server starts waiting for it: a connection that sends nothing (a
//!   fresh one, or one idle between requests) is closed after that long, and a head that
//!   trickles in is answered `408`. Bodies have [`ServeOptions::body_timeout`] (see the
//!   guard), and a reply the client does not take is dropped after
//!   [`ServeOptions::write_timeout`].
//! - At most [`ServeOptions::max_connections`] connections are served at once (by default
//!   derived from the process's descriptor limit, so that the store always has
//!   descriptors left). When every slot is taken, connections that sit idle are closed,
//!   longest idle first, to make room; the rest wait in the listen queue.
//! - hyper answers some malformed requests itself, before any of our code sees them (a
//!   head too large, a line it cannot parse), with an empty body. Those answers are caught
//!   on their way out and replaced with the API's JSON error.

use crate::model::{ErrorDetail, ErrorResponse};
use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode};
use axum::Router;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use latchkey_core::{Code, ErrorBody};
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

/// A request's head (request line and headers) larger than this is refused with `431`.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// The most headers a request may have (hyper's own limit); more is `431`.
pub const MAX_HEADERS: usize = 100;

/// The most connections served at once, whatever the descriptor limit allows.
pub const MAX_CONNECTIONS: usize = 256;

/// Descriptors kept back from connections for everything else the process opens: the
/// store's connections (and their write-ahead logs), the log file, the runtime's own.
const RESERVED_DESCRIPTORS: usize = 64;

/// At least this many connections, however tight the descriptor limit.
const MIN_CONNECTIONS: usize = 8;

/// A full server closes an idle connection only once it has been idle this long, so a
/// client that has just connected (and is about to send) is not the one closed.
const SHED_MIN_IDLE: Duration = Duration::from_millis(100);

/// How often a full server looks again for an idle connection to close.
const SHED_EVERY: Duration = Duration::from_millis(50);

/// After an answer the server gives before closing (a `408`, a `431`), how long it goes
/// on reading what the client still sends, so that closing does not reset the connection
/// before the client has read the answer.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1024 * 1024;

/// How the server treats slow, idle and numerous clients. The defaults suit `latchkey
/// serve` and the app; tests shorten the timeouts.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// How long a request's head may take to arrive, counted from when the server starts
    /// waiting for it. Also how long a connection may sit idle before or between
    /// requests: it is then closed.
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive once its head has; `408` after.
    pub body_timeout: Duration,
    /// How long a reply may wait for the client to take it before the connection is
    /// closed.
    pub write_timeout: Duration,
    /// The most connections served at once; `None` derives it from the descriptor limit
    /// (at most [`MAX_CONNECTIONS`]).
    pub max_connections: Option<usize>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_connections: None,
        }
    }
}

impl ServeOptions {
    /// The connection cap these options give on this process.
    pub fn connection_cap(&self) -> usize {
        self.max_connections
            .unwrap_or_else(derived_cap)
            .clamp(1, Semaphore::MAX_PERMITS)
    }
}

/// [`MAX_CONNECTIONS`], or fewer when the descriptors this process may still open are
/// fewer (less [`RESERVED_DESCRIPTORS`]).
fn derived_cap() -> usize {
    let Some(limit) = descriptor_limit() else {
        return MAX_CONNECTIONS;
    };
    let open = open_descriptors().unwrap_or(32);
    limit
        .saturating_sub(open)
        .saturating_sub(RESERVED_DESCRIPTORS)
        .clamp(MIN_CONNECTIONS, MAX_CONNECTIONS)
}

#[cfg(unix)]
fn descriptor_limit() -> Option<usize> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given, which lives for the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return None;
    }
    if lim.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    usize::try_from(lim.rlim_cur).ok()
}

#[cfg(not(unix))]
fn descriptor_limit() -> Option<usize> {
    None
}

/// How many descriptors the process has open now, where the system lists them.
fn open_descriptors() -> Option<usize> {
    ["/proc/self/fd", "/dev/fd"]
        .iter()
        .find_map(|dir| std::fs::read_dir(dir).ok().map(Iterator::count))
}

/// Serves `app` on `listener` until `shutdown` completes; then stops accepting, closes
/// idle connections, lets those in the middle of a request finish (each bounded by the
/// timeouts), and returns once every connection is closed.
pub(crate) async fn run<F>(
    listener: TcpListener,
    app: Router,
    shutdown: F,
    options: ServeOptions,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let cap = options.connection_cap();
    let slots = Arc::new(Semaphore::new(cap));
    let pool = Arc::new(Pool::new());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .max_header_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        .max_buf_size(64 * 1024)
        // One contiguous buffer per write: how hyper's own refusals are found (see `Io`).
        .writev(false)
        .keep_alive(true);
    let shared = Arc::new(Shared {
        http,
        app: TowerToHyperService::new(app),
        options,
    });
    let (stop, stopping) = watch::channel(false);
    let mut last_warning: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            permit = take_slot(&slots, &pool) => permit,
        };
        let stream = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of descriptors, most likely: make room, and try again shortly
                    // (the connection stays in the listen queue meanwhile).
                    if last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                        tracing::warn!(target: "latchkey::api", "accepting a connection failed: {e}");
                        last_warning = Some(Instant::now());
                    }
                    pool.shed_idle();
                    tokio::time::sleep(SHED_EVERY).await;
                    continue;
                }
            },
        };
        let conn = pool.register();
        tokio::spawn(connection(
            stream,
            shared.clone(),
            conn,
            pool.clone(),
            permit,
            stopping.clone(),
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it is closed.
    let _ = slots.acquire_many(cap as u32).await;
    Ok(())
}

/// A slot for one more connection; when there is none, idle connections are closed to
/// free one.
async fn take_slot(slots: &Arc<Semaphore>, pool: &Pool) -> OwnedSemaphorePermit {
    loop {
        if let Ok(permit) = slots.clone().try_acquire_owned() {
            return permit;
        }
        pool.shed_idle();
        tokio::select! {
            permit = slots.clone().acquire_owned() => {
                if let Ok(permit) = permit {
                    return permit;
                }
            }
            _ = tokio::time::sleep(SHED_EVERY) => {}
        }
    }
}

/// Errors of one incoming connection (it went away before it was accepted), not of the
/// listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

struct Shared {
    http: hyper::server::conn::http1::Builder,
    app: TowerToHyperService<Router>,
    options: ServeOptions,
}

/// The connections open now, so that a full server can find idle ones to close.
struct Pool {
    started: Instant,
    next: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<ConnState>>>,
}

impl Pool {
    fn new() -> Self {
        Pool {
            started: Instant::now(),
            next: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<ConnState>>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(&self) -> Arc<ConnState> {
        let id = self.next.fetch_add(1, SeqCst);
        let conn = Arc::new(ConnState::new(id, self.started));
        self.lock().insert(id, conn.clone());
        conn
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Asks the connection idle the longest (at least [`SHED_MIN_IDLE`]) to close.
    fn shed_idle(&self) {
        let now = millis_since(self.started);
        let min = SHED_MIN_IDLE.as_millis() as u64;
        let conns = self.lock();
        let oldest = conns
            .values()
            .filter(|c| c.is_idle() && !c.shedding.load(SeqCst))
            .filter(|c| now.saturating_sub(c.idle_since.load(SeqCst)) >= min)
            .min_by_key(|c| c.idle_since.load(SeqCst));
        if let Some(c) = oldest {
            c.shedding.store(true, SeqCst);
            c.shed.notify_one();
        }
    }
}

fn millis_since(start: Instant) -> u64 {
    start.elapsed().as_millis() as u64
}

/// What the server knows of one connection, kept up to date by its reads, its writes and
/// its requests.
struct ConnState {
    id: u64,
    started: Instant,
    /// Bytes read from the client so far.
    read: AtomicU64,
    /// `read` when the connection last became idle (accepted, or a reply finished).
    idle_mark: AtomicU64,
    /// When it last became idle, in milliseconds since the pool started.
    idle_since: AtomicU64,
    /// Requests being answered (their reply not yet fully handed over).
    in_flight: AtomicU32,
    /// The client is not taking what the server writes.
    write_blocked: AtomicBool,
    shedding: AtomicBool,
    shed: Notify,
}

impl ConnState {
    fn new(id: u64, started: Instant) -> Self {
        ConnState {
            id,
            started,
            read: AtomicU64::new(0),
            idle_mark: AtomicU64::new(0),
            idle_since: AtomicU64::new(millis_since(started)),
            in_flight: AtomicU32::new(0),
            write_blocked: AtomicBool::new(false),
            shedding: AtomicBool::new(false),
            shed: Notify::new(),
        }
    }

    /// Nothing owed either way: no request in progress, no byte of a next one received,
    /// and every reply written. Closing it now loses nothing.
    fn is_idle(&self) -> bool {
        self.in_flight.load(SeqCst) == 0
            && !self.write_blocked.load(SeqCst)
            && self.read.load(SeqCst) == self.idle_mark.load(SeqCst)
    }

    /// Part of a request's head has arrived, and no more.
    fn mid_head(&self) -> bool {
        self.in_flight.load(SeqCst) == 0
            && !self.write_blocked.load(SeqCst)
            && self.read.load(SeqCst) > self.idle_mark.load(SeqCst)
    }
}

/// One connection, from accept to close. Holds its slot (`_permit`) until it ends.
async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    conn: Arc<ConnState>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
    mut stopping: watch::Receiver<bool>,
) {
    struct Registered(Arc<Pool>, u64);
    impl Drop for Registered {
        fn drop(&mut self) {
            self.0.remove(self.1);
        }
    }
    let _registered = Registered(pool, conn.id);
    let _ = stream.set_nodelay(true);
    let options = &shared.options;
    let mut io = Io::new(stream, conn.clone(), options.write_timeout);
    let service = Service {
        app: shared.app.clone(),
        conn: conn.clone(),
    };
    let outcome = {
        let served = shared.http.serve_connection(TokioIo::new(&mut io), service);
        tokio::pin!(served);
        let mut stop_seen = *stopping.borrow();
        if stop_seen {
            served.as_mut().graceful_shutdown();
        }
        loop {
            tokio::select! {
                done = served.as_mut() => break Some(done),
                _ = conn.shed.notified() => {
                    if conn.is_idle() {
                        break None;
                    }
                    conn.shedding.store(false, SeqCst);
                }
                _ = stopping.changed(), if !stop_seen => {
                    stop_seen = true;
                    if conn.is_idle() {
                        break None;
                    }
                    served.as_mut().graceful_shutdown();
                }
            }
        }
    };
    // `None`: closed while idle; dropping the stream closes it.
    let Some(Err(e)) = outcome else { return };
    if let Some(status) = io.refused {
        // hyper refused the request itself; its empty answer was held back.
        io.answer(status, refusal_message(status)).await;
    } else if e.is_parse_version_h2() {
        // hyper stops at an HTTP/2 preface without a word; say what this server speaks.
        io.answer(
            StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            "this server speaks HTTP/1.1 only (an HTTP/2 preface was sent)",
        )
        .await;
    } else if e.is_timeout() && conn.mid_head() {
        let message = format!(
            "the request's head did not arrive within {} s",
            options.header_timeout.as_secs_f64()
        );
        io.answer(StatusCode::REQUEST_TIMEOUT, &message).await;
    } else {
        tracing::debug!(target: "latchkey::api", "connection closed: {e}");
    }
}

fn refusal_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            "the request's head (request line and headers) is over 16 KiB, or has over 100 headers"
        }
        StatusCode::URI_TOO_LONG => "the request's URI is too long",
        _ => "the request is not valid HTTP/1.1: its request line or a header could not be parsed",
    }
}

/// Calls the router for each request hyper reads, and counts it in flight until its
/// reply has been handed over.
#[derive(Clone)]
struct Service {
    app: TowerToHyperService<Router>,
    conn: Arc<ConnState>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl hyper::service::Service<Request<Incoming>> for Service {
    type Response = Response<Tracked>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Tracked>, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let busy = InFlight::new(self.conn.clone());
        let reply = hyper::service::Service::call(&self.app, req);
        Box::pin(async move {
            let resp = reply.await?;
            Ok(resp.map(|body| Tracked { body, _busy: busy }))
        })
    }
}

/// A request in progress on a connection, from its head to the end of its reply.
struct InFlight(Arc<ConnState>);

impl InFlight {
    fn new(conn: Arc<ConnState>) -> Self {
        conn.in_flight.fetch_add(1, SeqCst);
        InFlight(conn)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let c = &self.0;
        c.idle_mark.store(c.read.load(SeqCst), SeqCst);
        c.idle_since.store(millis_since(c.started), SeqCst);
        c.in_flight.fetch_sub(1, SeqCst);
    }
}

/// A reply's body, which ends the request's [`InFlight`] when hyper is done with it.
struct Tracked {
    body: Body,
    _busy: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket as hyper sees it: counts what is read, gives up on a reply
/// the client does not take, and holds back hyper's own empty refusals (see
/// [`hyper_refusal`]) so that the server can answer them in JSON instead.
struct Io {
    stream: TcpStream,
    conn: Arc<ConnState>,
    write_timeout: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
    /// The status of a refusal hyper wrote and this held back.
    refused: Option<StatusCode>,
}

impl Io {
    fn new(stream: TcpStream, conn: Arc<ConnState>, write_timeout: Duration) -> Self {
        Io {
            stream,
            conn,
            write_timeout,
            stalled: None,
            refused: None,
        }
    }

    /// Tracks a write: one that makes no progress for `write_timeout` fails.
    fn progress<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match r {
            Poll::Ready(r) => {
                self.stalled = None;
                self.conn.write_blocked.store(false, SeqCst);
                Poll::Ready(r)
            }
            Poll::Pending => {
                self.conn.write_blocked.store(true, SeqCst);
                let timeout = self.write_timeout;
                let timer = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                ready!(timer.as_mut().poll(cx));
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client did not take the reply",
                )))
            }
        }
    }

    /// Answers with the API's JSON error and closes: the answer, the end of the
    /// connection's sending side, then a short drain of what the client still sends.
    async fn answer(&mut self, status: StatusCode, message: &str) {
        let reply = json_reply(status, message);
        let stream = &mut self.stream;
        let sent = tokio::time::timeout(self.write_timeout, async {
            stream.write_all(&reply).await?;
            stream.shutdown().await
        })
        .await;
        if !matches!(sent, Ok(Ok(()))) {
            return;
        }
        let _ = tokio::time::timeout(LINGER, async {
            let mut sink = [0u8; 8192];
            let mut left = LINGER_BYTES;
            while left > 0 {
                match stream.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => left = left.saturating_sub(n),
                }
            }
        })
        .await;
    }
}

impl AsyncRead for Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.stream).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        if n > 0 {
            self.conn.read.fetch_add(n as u64, SeqCst);
        }
        r
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.refused.is_some() {
            // Nothing follows a refusal; hyper closes the connection after it.
            return Poll::Ready(Ok(buf.len()));
        }
        let mut buf = buf;
        if let Some((at, status)) = hyper_refusal(buf) {
            if at == 0 {
                self.refused = Some(status);
                return Poll::Ready(Ok(buf.len()));
            }
            // Replies still owed go out first.
            buf = &buf[..at];
        }
        let r = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.progress(cx, r)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.stream).poll_flush(cx);
        self.progress(cx, r)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.refused.is_some() {
            // The JSON answer is still to be written.
            return Poll::Ready(Ok(()));
        }
        let r = Pin::new(&mut self.stream).poll_shutdown(cx);
        self.progress(cx, r)
    }
}

/// The status lines of the refusals hyper writes itself, without a body, when it cannot
/// parse a request (`Server::on_error` in hyper's `proto::h1::role`).
const REFUSALS: [(StatusCode, &[u8]); 3] = [
    (StatusCode::BAD_REQUEST, b" 400 Bad Request\r\n"),
    (StatusCode::URI_TOO_LONG, b" 414 URI Too Long\r\n"),
    (
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        b" 431 Request Header Fields Too Large\r\n",
    ),
];

static STATUS_LINE: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"HTTP/1."));

/// Where in `buf` hyper's own refusal of a request starts, if it wrote one, and its
/// status. Such a refusal is a head alone: a status line of [`REFUSALS`], then headers
/// that give no type and a length of 0. Every reply of the API has a JSON body (with its
/// type), and no body it sends holds a CR LF (JSON escapes it), so neither can be taken
/// for one.
fn hyper_refusal(buf: &[u8]) -> Option<(usize, StatusCode)> {
    for at in STATUS_LINE.find_iter(buf) {
        let rest = &buf[at..];
        let Some(&minor) = rest.get(7) else { continue };
        if minor != b'0' && minor != b'1' {
            continue;
        }
        let Some(&(status, _)) = REFUSALS
            .iter()
            .find(|(_, line)| rest[8..].starts_with(line))
        else {
            continue;
        };
        let Some(end) = memchr::memmem::find(rest, b"\r\n\r\n") else {
            continue;
        };
        let head = &rest[..end + 2];
        if memchr::memmem::find(head, b"\r\ncontent-length: 0\r\n").is_some()
            && memchr::memmem::find(head, b"\r\ncontent-type:").is_none()
        {
            return Some((at, status));
        }
    }
    None
}

/// A whole HTTP/1.1 reply carrying the API's JSON error, for a connection it closes.
fn json_reply(status: StatusCode, message: &str) -> Vec<u8> {
    let body = serde_json::to_vec(&ErrorResponse {
        error: ErrorDetail::from(ErrorBody::new(Code::InvalidInput, message)),
    })
    .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\
         date: {}\r\n\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        body.len(),
        http_date(SystemTime::now()),
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// `t` as an HTTP date (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!(
        "{weekday}, {day:02} {name} {year} {:02}:{:02}:{:02} GMT",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_lines_are_hypers() {
        for (status, line) in REFUSALS {
            let want = format!(
                " {} {}\r\n",
                status.as_str(),
                status.canonical_reason().unwrap()
            );
            assert_eq!(line, want.as_bytes());
        }
    }

    #[test]
    fn finds_hypers_refusals_only() {
        let refusal = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Thu, 03 Dec 2026 06:24:31 GMT\r\n\r\n";
        assert_eq!(
            hyper_refusal(refusal),
            Some((0, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE))
        );
        let old = b"HTTP/1.0 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_refusal(old), Some((0, StatusCode::BAD_REQUEST)));
        // After a reply still being written.
        let mut both =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
                .to_vec();
        both.extend_from_slice(refusal);
        assert_eq!(
            hyper_refusal(&both),
            Some((
                both.len() - refusal.len(),
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            ))
        );
        // The API's own errors are not hyper's.
        let ours = json_reply(StatusCode::BAD_REQUEST, "no");
        assert_eq!(hyper_refusal(&ours), None);
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_refusal(ours), None);
        // Nor a body that quotes a status line, nor a head cut short.
        assert_eq!(hyper_refusal(b"{\"a\":\"HTTP/1.1 400 Bad Request\"}"), None);
        assert_eq!(
            hyper_refusal(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n"),
            None
        );
    }

    #[test]
    fn http_dates() {
        let at = |s: u64| http_date(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(1_798_761_599), "Thu, 31 Dec 2026 23:59:59 GMT");
    }

    #[test]
    fn json_replies() {
        let r = String::from_utf8(json_reply(StatusCode::REQUEST_TIMEOUT, "slow")).unwrap();
        let (head, body) = r.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nconnection: close"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {}", body.len())),
            "{head}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"]["code"], "invalid_input");
        assert_eq!(v["error"]["message"], "slow");
    }
}
