//! The one layer in front of every kerjasama.v1 service. For each call, in
//! this order: authenticate the bearer token (UNAUTHENTICATED before anything
//! else is looked at), then hold the request to [`RequestCheck`] (INVALID_ARGUMENT
//! with field violations), then hand it to the service with the caller's
//! [`Principal`] in the request extensions. Health and reflection are open.
//! A call not answered by its deadline is DEADLINE_EXCEEDED ([`crate::deadline`]).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http_body_util::BodyExt;
use kerjasama_core::access::Principal;
use kerjasama_core::paging;
use kerjasama_core::pool::PgPool;
use tonic::Status;

use crate::request_id::{REQUEST_ID, RequestId};
use tonic::body::Body;
use tower::{Layer, Service};

use crate::auth::Authenticator;
use crate::prometheus::Telemetry;
use crate::request_check::RequestCheck;
use crate::status::to_status;

/// Services anyone may call: probes and tooling.
const OPEN_PREFIXES: &[&str] = &["/grpc.health.v1.Health/", "/grpc.reflection."];

/// The largest request body read (tonic's own default message limit, 4 MiB,
/// plus the frame header).
const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024 + 5;

/// Uploads (an import's files) may be larger: up to 64 MiB, so that a file
/// over the import's own limit (32 MiB) is refused by the import with a
/// field violation that names the limit, not by the transport.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024 + 5;
const UPLOAD_METHODS: &[&str] = &["/kerjasama.v1.ImportService/CreateImportRun"];

/// Client-streaming uploads (a document's file, up to the archive's limit):
/// the service reads their messages as they arrive, so the gate neither
/// buffers nor walks the body; the service checks the first message with the
/// same validators (`kerjasama_core::archive::check_upload`, the one text
/// rule) and bounds the bytes.
const STREAMING_UPLOADS: &[&str] = &["/kerjasama.v1.DocumentService/UploadDocumentFile"];

#[derive(Clone)]
pub struct GateLayer {
    pool: PgPool,
    auth: Authenticator,
    check: RequestCheck,
    telemetry: Arc<Telemetry>,
}

impl GateLayer {
    pub fn new(
        pool: PgPool,
        auth: Authenticator,
        check: RequestCheck,
        telemetry: Arc<Telemetry>,
    ) -> Self {
        Self {
            pool,
            auth,
            check,
            telemetry,
        }
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Gate {
            inner,
            pool: self.pool.clone(),
            auth: self.auth.clone(),
            check: self.check.clone(),
            telemetry: self.telemetry.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Gate<S> {
    inner: S,
    pool: PgPool,
    auth: Authenticator,
    check: RequestCheck,
    telemetry: Arc<Telemetry>,
}

impl<S> Service<http::Request<Body>> for Gate<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        // The ready service is the one that must be called; leave a clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let gate = GateParts {
            auth: self.auth.clone(),
            check: self.check.clone(),
            pool: self.pool.clone(),
            telemetry: self.telemetry.clone(),
        };
        let rpc = self.check.rpc_label(request.uri().path());
        let request_id = RequestId::new();
        // Every log line of the call carries its method and request id.
        let span = tracing::info_span!("call", rpc = %rpc, request_id = %request_id.0);
        let call = self.telemetry.start(rpc);
        // Armed now, before the transport's own timer: see `deadline`.
        let deadline = crate::deadline::of(request.headers());
        let work = async move {
            let started = std::time::Instant::now();
            let response =
                match tokio::time::timeout_at(deadline, gate.pass(&mut inner, request)).await {
                    Ok(answered) => answered?,
                    Err(_elapsed) => crate::deadline::exceeded().into_http(),
                };
            let code = response
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i32>().ok())
                .map_or(tonic::Code::Ok, tonic::Code::from_i32);
            tracing::debug!(
                code = ?code,
                elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                "call answered"
            );
            call.finish(code);
            Ok(response)
        };
        Box::pin(tracing::Instrument::instrument(
            REQUEST_ID.scope(request_id, work),
            span,
        ))
    }
}

/// What one call needs of the gate.
struct GateParts {
    auth: Authenticator,
    check: RequestCheck,
    pool: PgPool,
    telemetry: Arc<Telemetry>,
}

impl GateParts {
    async fn pass<S>(
        self,
        inner: &mut S,
        request: http::Request<Body>,
    ) -> Result<http::Response<Body>, Infallible>
    where
        S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    {
        let GateParts {
            auth,
            check,
            pool,
            telemetry,
        } = self;
        let path = request.uri().path().to_string();
        if OPEN_PREFIXES.iter().any(|open| path.starts_with(open)) {
            return inner.call(request).await;
        }
        let peer = request
            .extensions()
            .get::<tonic::transport::server::TcpConnectInfo>()
            .and_then(|info| info.remote_addr())
            .map(|addr| addr.ip());
        let (checked, how) = auth.from_headers(request.headers(), peer).await;
        telemetry.token_checked(how);
        let principal: Principal = match checked {
            Ok(principal) => principal,
            Err(status) => return Ok(status.into_http()),
        };
        // Page tokens are signed with the deployment's key, read once the
        // database answers (the server may start before it does).
        if !paging::has_key()
            && let Err(error) = paging::load_key(&pool).await
        {
            return Ok(to_status(error, "").into_http());
        }
        let (mut parts, body) = request.into_parts();
        if STREAMING_UPLOADS.contains(&path.as_str()) {
            parts.extensions.insert(principal);
            return inner.call(http::Request::from_parts(parts, body)).await;
        }
        let limit = if UPLOAD_METHODS.contains(&path.as_str()) {
            MAX_UPLOAD_BYTES
        } else {
            MAX_REQUEST_BYTES
        };
        let bytes = match http_body_util::Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.is::<http_body_util::LengthLimitError>() => {
                return Ok(Status::resource_exhausted(format!(
                    "requests are limited to {limit} bytes"
                ))
                .into_http());
            }
            Err(error) => return Ok(Status::cancelled(error.to_string()).into_http()),
        };
        if let Err(status) = check.check(&path, &bytes) {
            return Ok(status.into_http());
        }
        parts.extensions.insert(principal);
        let request = http::Request::from_parts(parts, Body::new(http_body_util::Full::new(bytes)));
        inner.call(request).await
    }
}
