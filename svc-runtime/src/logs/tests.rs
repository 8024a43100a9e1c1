//! Log files through the whole pipeline: rotation at the size limit, formats, shared files, ring sizes.

use std::io::Read;
use std::path::Path;

use svc_core::{LogConfiguration, LogFormat, LogRotation};

use super::{LogConfig, Logs, Output, Stream};

/// The lines of every file of `dir` whose name starts with `prefix`, gunzipped, oldest file first.
fn files(dir: &Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    // Backups sort by their time; the current file (`app.log`) sorts after them (`.` > `-`).
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            let bytes = if name.ends_with(".gz") {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
                out
            } else {
                bytes
            };
            (name, bytes)
        })
        .collect()
}

#[tokio::test]
async fn rotation_at_the_size_limit_keeps_every_line_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let rotation = LogRotation { max_size_mb: 1, max_backups: 2, max_age_days: 0, compress: true };
    let config = LogConfig::new(["app"])
        .log_file("app", &path)
        .file_format("app", LogConfiguration { rotation: Some(rotation), ..LogConfiguration::default() });
    let (logs, writer) = Logs::start(config, Output::Discard).unwrap();
    // 100-byte lines: 10485 fill a file to 1048500 bytes of 1048576; the next one starts a new file.
    let per_file = 1024 * 1024 / 100;
    let total = 3 * per_file + 7;
    let input: String = (0..total).map(|i| format!("{i:099}\n")).collect();
    logs.read("app", input.as_bytes(), None, std::future::pending()).await.unwrap();
    writer.shutdown().await.unwrap();

    let found = files(dir.path(), "app");
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    // Three rotations, the oldest backup removed (max_backups 2), the two others compressed.
    assert_eq!(found.len(), 3, "{names:?}");
    assert!(names[0].ends_with(".log.gz") && names[1].ends_with(".log.gz") && names[2] == "app.log", "{names:?}");
    let mut next = per_file;
    for (name, bytes) in &found {
        assert!(bytes.len() <= 1024 * 1024, "{name} is over the limit");
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            assert_eq!(line, format!("{next:099}\n").as_bytes(), "{name}: lines in order, whole, none lost");
            next += 1;
        }
    }
    assert_eq!(next, total);
    assert_eq!(found[0].1.len(), per_file * 100, "a file is filled up to the last line that fits");
}

#[tokio::test]
async fn json_file_levels_replica_and_a_shared_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.log");
    let mut config = LogConfig::new(["web", "db"]).log_file("web", &path).log_file("db", &path);
    for process in &mut config.processes {
        process.file_format = LogConfiguration::process_compose();
        process.replica = 1;
    }
    let (logs, writer) = Logs::start(config, Output::Discard).unwrap();
    logs.read_from("web", Stream::Stdout, &b"up\n"[..], None, std::future::pending()).await.unwrap();
    logs.read_from("web", Stream::Stderr, &b"bad \"x\"\n"[..], None, std::future::pending()).await.unwrap();
    logs.read("db", &b"ready\n"[..], None, std::future::pending()).await.unwrap();
    writer.shutdown().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"level\":\"info\",\"process\":\"web\",\"replica\":1,\"message\":\"up\"}\n\
         {\"level\":\"error\",\"process\":\"web\",\"replica\":1,\"message\":\"bad \\\"x\\\"\"}\n\
         {\"level\":\"info\",\"process\":\"db\",\"replica\":1,\"message\":\"ready\"}\n"
    );
}

#[tokio::test]
async fn text_file_without_metadata_and_ring_sizes_per_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.log");
    let text = LogConfiguration {
        format: LogFormat::Text,
        no_metadata: true,
        no_color: true,
        flush_each_line: true,
        ..LogConfiguration::default()
    };
    let config = LogConfig::new(["web", "db"]).log_file("web", &path).file_format("web", text).ring_lines_of("web", 2);
    let (logs, writer) = Logs::start(config, Output::Discard).unwrap();
    logs.read("web", &b"1\n2\n3\n"[..], None, std::future::pending()).await.unwrap();
    logs.read_from("db", Stream::Stderr, &b"a\nb\nc\n"[..], None, std::future::pending()).await.unwrap();
    logs.flush().await;
    assert_eq!(logs.recent("web", 10).unwrap(), ["2", "3"], "log_length 2");
    assert_eq!(logs.recent("db", 10).unwrap(), ["a", "b", "c"], "the default, 1000");
    writer.shutdown().await.unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "INF 1\nINF 2\nINF 3\n");
}
