//! HTTP GET checks: a minimal hyper client over one TCP connection (plain `http` only); the response status
//! must equal `status_code`, or be within 200..=399 when unset. Connecting and receiving the response headers
//! are bounded together by the timeout; the body is not read.

use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::header::{HOST, HeaderName, HeaderValue, USER_AGENT};
use hyper_util::rt::TokioIo;
use svc_core::HttpProbe;

use super::ProbeResult;

/// Runs one HTTP GET check, bounded by `timeout`.
pub(super) async fn check_http(probe: &HttpProbe, timeout: Duration) -> ProbeResult {
    let host = if probe.host.contains(':') { format!("[{}]", probe.host) } else { probe.host.clone() };
    let path = if probe.path.starts_with('/') { probe.path.clone() } else { format!("/{}", probe.path) };
    let url = format!("{}://{host}:{}{path}", probe.scheme, probe.port);
    if !probe.scheme.eq_ignore_ascii_case("http") {
        return ProbeResult::Failure(format!(
            "GET {url}: scheme `{}` is not supported, only plain `http` (use an exec probe with curl for TLS)",
            probe.scheme
        ));
    }
    let status = match tokio::time::timeout(timeout, http_get(probe, &host, &path)).await {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => return ProbeResult::Failure(format!("GET {url}: {e}")),
        Err(_) => return ProbeResult::Failure(format!("GET {url}: no response within {timeout:?}")),
    };
    let ok = match probe.status_code {
        Some(expected) => status == expected,
        None => (200..400).contains(&status),
    };
    if ok {
        ProbeResult::Success
    } else {
        let expected = match probe.status_code {
            Some(code) => format!("{code}"),
            None => "200-399".into(),
        };
        ProbeResult::Failure(format!("GET {url}: status {status}, expected {expected}"))
    }
}

/// Sends the request and returns the response status.
async fn http_get(probe: &HttpProbe, host: &str, path: &str) -> Result<u16, String> {
    let stream = tokio::net::TcpStream::connect((probe.host.as_str(), probe.port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let mut request = hyper::Request::get(path);
    let headers = request.headers_mut().ok_or("invalid request path")?;
    if !probe.headers.keys().any(|k| k.eq_ignore_ascii_case("host")) {
        let value = if probe.port == 80 { host.to_owned() } else { format!("{host}:{}", probe.port) };
        headers.insert(HOST, HeaderValue::from_str(&value).map_err(|e| format!("invalid host `{value}`: {e}"))?);
    }
    headers.insert(USER_AGENT, HeaderValue::from_static(concat!("svc-probe/", env!("CARGO_PKG_VERSION"))));
    for (name, value) in &probe.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("invalid header name `{name}`: {e}"))?;
        let value = HeaderValue::from_str(value).map_err(|e| format!("invalid value of header `{name}`: {e}"))?;
        headers.insert(name, value);
    }
    let request = request.body(Empty::new()).map_err(|e| format!("invalid request: {e}"))?;
    // Drive the connection in this task: nothing is left running when the check ends or is dropped.
    let mut connection = std::pin::pin!(connection);
    let mut response = std::pin::pin!(sender.send_request(request));
    let response = tokio::select! {
        biased;
        response = &mut response => response,
        // A server that answers and closes ends the connection in the same instant: the response is there.
        closed = &mut connection => match closed {
            Ok(()) => response.await,
            Err(e) => return Err(format!("connection failed: {e}")),
        },
    };
    response.map(|r| r.status().as_u16()).map_err(|e| format!("no response: {e}"))
}
