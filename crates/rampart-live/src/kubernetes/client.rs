//! The API server connection: credentials as kubectl finds them (kube-rs), GET requests
//! with retries on `429`/`5xx` within one deadline for the whole run.

use std::time::{Duration, Instant};

use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;

use super::ClusterFlags;

/// Attempts after the first for an answer worth retrying (`429`, `5xx`).
const RETRIES: u32 = 6;
/// The first backoff; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// Why a request gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status (its `Status` object's reason and
    /// message when it sent one).
    #[error("{code} {reason}: {message}")]
    Status {
        /// HTTP status.
        code: u16,
        /// `Status.reason` (`Forbidden`), or the status' name.
        reason: String,
        /// `Status.message`.
        message: String,
    },
    /// The run's deadline (`--timeout`) passed.
    #[error("timed out")]
    Timeout,
    /// No answer: connection, TLS or credential plugin failure.
    #[error("{0}")]
    Transport(String),
    /// The answer is not the JSON asked for.
    #[error("the answer is not JSON: {0}")]
    Decode(String),
}

impl ApiError {
    /// In a gap's words: `forbidden`, `timed out`, `500 InternalError: ...`.
    pub fn reason(&self) -> String {
        match self {
            Self::Status { code: 403, .. } => "forbidden".to_owned(),
            Self::Status { code: 401, .. } => {
                "unauthorized (the API server refused the credentials)".to_owned()
            }
            Self::Status { code: 404, .. } => "not found".to_owned(),
            Self::Timeout => "timed out (--timeout)".to_owned(),
            other => other.to_string(),
        }
    }

    /// The error of a non-success answer: the `Status` object kube-apiserver sends, or
    /// the status line alone.
    fn of_answer(code: u16, body: &[u8]) -> Self {
        let status: Value = serde_json::from_slice(body).unwrap_or_default();
        let text = |field: &str| status[field].as_str().map(str::to_owned);
        let reason = text("reason").unwrap_or_else(|| {
            http::StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error")
                .to_owned()
        });
        Self::Status {
            code,
            reason,
            message: text("message").unwrap_or_default(),
        }
    }
}

/// Why no connection could be set up.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

/// An API server client with the run's deadline.
#[derive(Clone)]
pub struct ApiClient {
    client: kube::Client,
    context: String,
    server: String,
    deadline: Instant,
}

impl ApiClient {
    /// Connects as kubectl would with `flags`: `--kubeconfig`, else `$KUBECONFIG` or
    /// `~/.kube/config`, else the in-cluster service account; the deadline starts now.
    pub async fn connect(flags: &ClusterFlags) -> Result<Self, ConnectError> {
        let options = KubeConfigOptions {
            context: flags.context.clone(),
            ..KubeConfigOptions::default()
        };
        let kubeconfig = match &flags.kubeconfig {
            Some(path) => Some(
                Kubeconfig::read_from(path)
                    .map_err(|e| ConnectError(format!("--kubeconfig {}: {e}", path.display())))?,
            ),
            None => match Kubeconfig::read() {
                Ok(kubeconfig) => Some(kubeconfig),
                Err(_) if flags.context.is_none() => None,
                Err(error) => return Err(ConnectError(format!("the kubeconfig: {error}"))),
            },
        };
        let (mut config, context) = match kubeconfig {
            Some(kubeconfig) => {
                let context = flags
                    .context
                    .clone()
                    .or_else(|| kubeconfig.current_context.clone())
                    .unwrap_or_default();
                let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| ConnectError(format!("the kubeconfig: {e}")))?;
                (config, context)
            }
            None => {
                let config = kube::Config::incluster().map_err(|e| {
                    ConnectError(format!(
                        "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a cluster: {e}"
                    ))
                })?;
                (config, "in-cluster".to_owned())
            }
        };
        // Retries are this client's: with the run's deadline and `Retry-After`.
        config.default_retry = false;
        config.read_timeout = Some(flags.timeout);
        config.connect_timeout = Some(flags.timeout.min(Duration::from_secs(10)));
        let server = config.cluster_url.to_string();
        let client = kube::Client::try_from(config)
            .map_err(|e| ConnectError(format!("the API server client: {e}")))?;
        Ok(Self {
            client,
            context,
            server,
            deadline: Instant::now() + flags.timeout,
        })
    }

    /// The kubeconfig context (`in-cluster` for the service account).
    pub fn context(&self) -> &str {
        &self.context
    }

    /// The API server's URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// GETs `path` (with its query) as JSON, retrying `429` and `5xx` answers with
    /// backoff (or as `Retry-After` says) while the deadline allows.
    pub async fn get_json(&self, path: &str) -> Result<Value, ApiError> {
        let mut attempt = 0;
        loop {
            let answer = self.get_once(path).await?;
            if (200..300).contains(&answer.code) {
                return serde_json::from_slice(&answer.body)
                    .map_err(|e| ApiError::Decode(e.to_string()));
            }
            let retryable = answer.code == 429 || (answer.code >= 500 && answer.code != 501);
            if retryable && attempt < RETRIES {
                let wait = answer.retry_after.unwrap_or_else(|| backoff(attempt));
                if Instant::now() + wait < self.deadline {
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
            }
            return Err(ApiError::of_answer(answer.code, &answer.body));
        }
    }

    /// One GET, bounded by the deadline.
    async fn get_once(&self, path: &str) -> Result<Answer, ApiError> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(ApiError::Timeout);
        }
        let request = http::Request::get(path)
            .header(http::header::ACCEPT, "application/json")
            .body(kube::client::Body::empty())
            .map_err(|e| ApiError::Transport(e.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .send(request)
                .await
                .map_err(|e| ApiError::Transport(transport_message(&e)))?;
            let code = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response
                .into_body()
                .collect_bytes()
                .await
                .map_err(|e| ApiError::Transport(transport_message(&e)))?;
            Ok(Answer {
                code,
                retry_after,
                body,
            })
        };
        tokio::time::timeout(remaining, exchange)
            .await
            .unwrap_or(Err(ApiError::Timeout))
    }
}

/// One answer: its status, `Retry-After` in seconds, and body.
struct Answer {
    code: u16,
    retry_after: Option<Duration>,
    body: bytes::Bytes,
}

/// The wait before retry `attempt` (0-based): 100 ms, doubling, at most 4 s.
fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_BACKOFF)
}

/// A kube-rs error with its causes (`error trying to connect: ...: certificate ...`).
fn transport_message(error: &kube::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        assert_eq!(backoff(0), Duration::from_millis(100));
        assert_eq!(backoff(3), Duration::from_millis(800));
        assert_eq!(backoff(10), MAX_BACKOFF);
    }

    #[test]
    fn a_status_object_gives_its_reason() {
        let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
            "message":"secrets is forbidden: User \"audit\" cannot list resource \"secrets\"",
            "reason":"Forbidden","details":{"kind":"secrets"},"code":403}"#;
        let error = ApiError::of_answer(403, body);
        assert_eq!(error.reason(), "forbidden");
        let ApiError::Status {
            reason, message, ..
        } = error
        else {
            panic!("not a status");
        };
        assert_eq!(reason, "Forbidden");
        assert!(message.starts_with("secrets is forbidden"));
        assert_eq!(
            ApiError::of_answer(502, b"<html>").to_string(),
            "502 Bad Gateway: "
        );
    }
}
