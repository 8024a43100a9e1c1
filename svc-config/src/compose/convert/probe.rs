//! Readiness and liveness probes: `exec` and `http_get`, with their timings and thresholds.

use std::path::PathBuf;

use indexmap::IndexMap;
use svc_core::{ExecProbe, HttpProbe, Probe, ProbeCheck};

use super::keys::{EXEC_KEYS, HTTP_KEYS, PROBE_KEYS};
use super::read::{Converter, join};
use crate::config::tree::{Node, Value};

impl Converter<'_> {
    pub(super) fn probe(&mut self, node: &Node, path: &str) -> Option<Probe> {
        let map = self.keys(node, path, PROBE_KEYS, &[])?;
        let check = match (map.get("exec"), map.get("http_get")) {
            (Some(_), Some(h)) => {
                self.error(&h.key_loc, path, "set either `exec` or `http_get`, not both");
                return None;
            }
            (Some(e), None) => {
                let exec_path = join(path, "exec");
                let m = self.keys(&e.value, &exec_path, EXEC_KEYS, &[])?;
                let Some(command) = m.get("command").and_then(|c| self.string(&c.value, &join(&exec_path, "command")))
                else {
                    self.error(&e.value.loc, &exec_path, "missing `command`");
                    return None;
                };
                let working_dir =
                    m.get("working_dir").and_then(|w| self.string(&w.value, &join(&exec_path, "working_dir")));
                ProbeCheck::Exec(ExecProbe {
                    command: self.shell_command(command),
                    working_dir: working_dir.map(PathBuf::from),
                })
            }
            (None, Some(h)) => ProbeCheck::HttpGet(self.http(&h.value, &join(path, "http_get"))?),
            (None, None) => {
                self.error(&node.loc, path, "needs `exec` or `http_get`");
                return None;
            }
        };
        let mut probe = match check {
            ProbeCheck::Exec(exec) => Probe::exec(exec.command.clone()).with_exec(exec),
            ProbeCheck::HttpGet(http) => {
                let mut probe = Probe::http_get(http.host.clone(), http.port, http.path.clone());
                probe.check = ProbeCheck::HttpGet(http);
                probe
            }
        };
        for (key, slot) in [
            ("initial_delay_seconds", &mut probe.initial_delay),
            ("period_seconds", &mut probe.period),
            ("timeout_seconds", &mut probe.timeout),
        ] {
            if let Some(e) = map.get(key)
                && let Some(d) = self.seconds(&e.value, &join(path, key))
            {
                *slot = d;
            }
        }
        for (key, slot) in
            [("success_threshold", &mut probe.success_threshold), ("failure_threshold", &mut probe.failure_threshold)]
        {
            if let Some(e) = map.get(key)
                && let Some(n) = self.integer(&e.value, &join(path, key), 1, u32::MAX as i64)
            {
                *slot = n as u32;
            }
        }
        Some(probe)
    }

    fn http(&mut self, node: &Node, path: &str) -> Option<HttpProbe> {
        let map = self.keys(node, path, HTTP_KEYS, &[])?;
        let text = |this: &mut Self, key: &str, default: &str| {
            map.get(key).and_then(|e| this.string(&e.value, &join(path, key))).unwrap_or_else(|| default.to_owned())
        };
        let host = text(self, "host", "127.0.0.1");
        let request_path = text(self, "path", "/");
        let scheme = text(self, "scheme", "http");
        // process-compose's `port` is a string (so that it can hold `${PORT}`); `num_port` an integer.
        let port = match (map.get("port"), map.get("num_port")) {
            (Some(e), _) => {
                let p = join(path, "port");
                match &e.value.value {
                    Value::Int(_) => self.integer(&e.value, &p, 1, 65535),
                    _ => self.string(&e.value, &p).and_then(|s| match s.trim().parse::<u16>() {
                        Ok(n) if n > 0 => Some(n as i64),
                        _ => {
                            self.error(&e.value.loc, &p, format!("expected a port number, found {s:?}"));
                            None
                        }
                    }),
                }
            }
            (None, Some(e)) => self.integer(&e.value, &join(path, "num_port"), 1, 65535),
            (None, None) => {
                self.error(&node.loc, path, "missing `port`");
                None
            }
        }? as u16;
        let mut headers = IndexMap::new();
        if let Some(e) = map.get("headers")
            && let Some(h) = self.mapping(&e.value, &join(path, "headers"))
        {
            for (k, v) in h {
                if let Some(v) = self.string(&v.value, &join(&join(path, "headers"), k)) {
                    headers.insert(k.clone(), v);
                }
            }
        }
        let status_code = match map.get("status_code") {
            Some(e) => Some(self.integer(&e.value, &join(path, "status_code"), 100, 599)? as u16),
            None => None,
        };
        if scheme != "http" {
            self.warn(&node.loc, &join(path, "scheme"), format!("scheme {scheme:?} is not supported (only http)"));
        }
        Some(HttpProbe { host, port, path: request_path, scheme, headers, status_code })
    }
}

trait WithExec {
    fn with_exec(self, exec: ExecProbe) -> Self;
}

impl WithExec for Probe {
    fn with_exec(mut self, exec: ExecProbe) -> Self {
        self.check = ProbeCheck::Exec(exec);
        self
    }
}
