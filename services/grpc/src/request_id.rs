//! The id of each call, for its log lines and its error details. Set by the
//! gate for the duration of a call; read by the status mapping.

/// The id of the call being handled: in its log lines (the `call` span) and
/// in the `google.rpc.RequestInfo` of an UNAVAILABLE or INTERNAL answer.
#[derive(Clone)]
pub struct RequestId(pub String);

impl RequestId {
    pub(crate) fn new() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    /// The current call's id, or a fresh one outside a call.
    pub fn current() -> String {
        REQUEST_ID
            .try_with(|id| id.0.clone())
            .unwrap_or_else(|_| Self::new().0)
    }
}

tokio::task_local! {
    pub(crate) static REQUEST_ID: RequestId;
}
