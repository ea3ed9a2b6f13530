//! The download path as a user meets it, against a Hub served on loopback (`HF_ENDPOINT`):
//! a first run downloads into an empty Hugging Face cache, later runs work offline, a
//! damaged cached file is fetched again, an interrupted download resumes, two lessons
//! started together share one download, and unknown or PyTorch-only repos are refused.
//!
//! The server speaks the part of the Hub's protocol that `hf-hub` uses: `GET
//! /{repo}/resolve/main/{file}`, answered with `x-repo-commit`, `etag` and a
//! `Content-Range` for ranged requests; `GET /api/models/{repo}/revision/main`, the repo's
//! file list; 401 for an unknown repo, 404 for an unknown file.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const REPO: &str = "course/bert-base-uncased";

/// How the served model file behaves.
#[derive(Clone, Copy, Default)]
struct Behaviour {
    /// Wait this long before sending `model.safetensors`' data.
    slow_weights: Option<Duration>,
    /// Drop the connection after this many bytes of the first `model.safetensors` transfer.
    cut_first_transfer: Option<usize>,
}

struct MockHub {
    endpoint: String,
    /// Data transfers (not the one-byte metadata probes) served, per file name.
    transfers: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl MockHub {
    /// Serves `repos` (repo id to file name to bytes) until the test process ends.
    fn start(repos: BTreeMap<String, BTreeMap<String, Vec<u8>>>, behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let transfers = Arc::new(Mutex::new(BTreeMap::new()));
        let repos = Arc::new(repos);
        let cuts = Arc::new(AtomicUsize::new(0));
        let log = transfers.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (repos, log, cuts) = (repos.clone(), log.clone(), cuts.clone());
                std::thread::spawn(move || serve(stream, &repos, &log, &cuts, behaviour));
            }
        });
        Self {
            endpoint,
            transfers,
        }
    }

    fn transfers_of(&self, file: &str) -> usize {
        self.transfers
            .lock()
            .unwrap()
            .get(file)
            .copied()
            .unwrap_or(0)
    }
}

/// One request: the file it names and the byte range it asks for (`Range: bytes=a-b`).
struct Request {
    path: String,
    start: usize,
    /// `Some` for hf-hub's metadata probe (`bytes=0-0`), `None` for a transfer (`bytes=n-`).
    last: Option<usize>,
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let path = request_line.split_whitespace().nth(1)?.to_string();
    let (mut start, mut last) = (0, None);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("range")
            && let Some((a, b)) = value.trim().trim_start_matches("bytes=").split_once('-')
        {
            start = a.parse().ok()?;
            last = b.parse().ok();
        }
    }
    Some(Request { path, start, last })
}

fn status(stream: &mut TcpStream, line: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {line}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

fn serve(
    mut stream: TcpStream,
    repos: &BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    transfers: &Mutex<BTreeMap<String, usize>>,
    cuts: &AtomicUsize,
    behaviour: Behaviour,
) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    if let Some(repo) = request
        .path
        .strip_prefix("/api/models/")
        .and_then(|rest| rest.strip_suffix("/revision/main"))
    {
        return list_files(&mut stream, repos.get(repo));
    }
    let Some((repo, file)) = request
        .path
        .trim_start_matches('/')
        .split_once("/resolve/main/")
    else {
        return status(&mut stream, "404 Not Found");
    };
    let Some(files) = repos.get(repo) else {
        // The Hub answers 401 for a repo that does not exist (or is private).
        return status(&mut stream, "401 Unauthorized");
    };
    let Some(bytes) = files.get(file) else {
        return status(&mut stream, "404 Not Found");
    };
    let start = request.start.min(bytes.len());
    let end = request
        .last
        .map_or(bytes.len(), |last| (last + 1).min(bytes.len()));
    let body = &bytes[start..end.max(start)];
    let is_transfer = request.last.is_none();
    let is_weights = file == "model.safetensors";
    if is_transfer {
        *transfers
            .lock()
            .unwrap()
            .entry(file.to_string())
            .or_default() += 1;
        if is_weights && let Some(delay) = behaviour.slow_weights {
            std::thread::sleep(delay);
        }
    }
    let head = format!(
        "HTTP/1.1 206 Partial Content\r\nx-repo-commit: {COMMIT}\r\netag: \"{}-{}\"\r\nContent-Range: bytes {start}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        file.replace(['/', '.'], "-"),
        bytes.len(),
        end.saturating_sub(1),
        bytes.len(),
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let cut = behaviour
        .cut_first_transfer
        .filter(|_| is_weights && is_transfer && cuts.fetch_add(1, Ordering::SeqCst) == 0);
    let sent = cut.map_or(body, |after| &body[..after.min(body.len())]);
    let _ = stream.write_all(sent);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// The Hub's answer to a repo-info request: the commit and the file names.
fn list_files(stream: &mut TcpStream, files: Option<&BTreeMap<String, Vec<u8>>>) {
    let Some(files) = files else {
        return status(stream, "401 Unauthorized");
    };
    let siblings: Vec<String> = files
        .keys()
        .map(|name| format!("{{\"rfilename\":\"{name}\"}}"))
        .collect();
    let body = format!(
        "{{\"sha\":\"{COMMIT}\",\"siblings\":[{}]}}",
        siblings.join(",")
    );
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The stand-in BERT's files, served as a course repo (without the stand-in marker, so
/// the lesson treats the download as the real model).
fn bert_repo() -> BTreeMap<String, Vec<u8>> {
    let standins = common::model::standins::ensure().expect("stand-ins are prepared");
    let mut files = BTreeMap::new();
    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        let path = standins
            .cached(common::model::standins::BERT, file)
            .expect("the stand-in BERT has this file");
        files.insert(file.to_string(), std::fs::read(path).unwrap());
    }
    files
}

fn hub_with(repos: &[(&str, BTreeMap<String, Vec<u8>>)], behaviour: Behaviour) -> MockHub {
    let repos = repos
        .iter()
        .map(|(id, files)| (id.to_string(), files.clone()))
        .collect();
    MockHub::start(repos, behaviour)
}

/// Lesson 4 on `model`, with `cache` as the Hugging Face cache and `endpoint` as the Hub.
fn lesson(model: &str, cache: &Path, endpoint: &str, offline: bool) -> Command {
    lesson_into(model, cache, &cache.join("out"), endpoint, offline)
}

/// [`lesson`] writing into `out`.
fn lesson_into(model: &str, cache: &Path, out: &Path, endpoint: &str, offline: bool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lesson04"));
    command
        .args(["--model", model, "--draws", "2", "--out"])
        .arg(out)
        .env("HF_HUB_CACHE", cache)
        .env("HF_ENDPOINT", endpoint)
        .env("HF_HUB_OFFLINE", if offline { "1" } else { "0" })
        .env_remove("HF_TOKEN");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("the lesson binary runs")
}

fn succeeded(output: &Output) -> bool {
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.status.success()
}

/// The error a user sees: one line, `error: …`, and exit status 1.
fn one_line_error(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    course_tests::one_line_error(output)
}

fn cached_weights(cache: &Path) -> std::path::PathBuf {
    cache
        .join("models--course--bert-base-uncased/snapshots")
        .join(COMMIT)
        .join("model.safetensors")
}

/// An address nothing listens on: any network use there fails at once.
const NO_HUB: &str = "http://127.0.0.1:9";

#[test]
fn a_first_run_downloads_into_the_cache_and_later_runs_need_no_network() {
    let repo = bert_repo();
    let hub = hub_with(&[(REPO, repo.clone())], Behaviour::default());
    let cache = tempfile::tempdir().unwrap();

    let first = run(&mut lesson(REPO, cache.path(), &hub.endpoint, false));
    assert!(
        succeeded(&first),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(hub.transfers_of("model.safetensors"), 1);
    // The standard HF cache layout: refs/main names the snapshot holding the files.
    let refs = std::fs::read_to_string(
        cache
            .path()
            .join("models--course--bert-base-uncased/refs/main"),
    );
    assert_eq!(refs.unwrap().trim(), COMMIT);
    assert_eq!(
        std::fs::read(cached_weights(cache.path())).unwrap(),
        repo["model.safetensors"]
    );

    let offline = run(&mut lesson(REPO, cache.path(), NO_HUB, true));
    assert!(
        succeeded(&offline),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    assert_eq!(offline.stdout, first.stdout);
    // Cached, with the network merely unreachable (not declared offline): still no download.
    let unreachable = run(&mut lesson(REPO, cache.path(), NO_HUB, false));
    assert!(succeeded(&unreachable));
    assert_eq!(hub.transfers_of("model.safetensors"), 1);
}

#[test]
fn a_damaged_cached_file_is_fetched_again_online_and_named_offline() {
    let hub = hub_with(&[(REPO, bert_repo())], Behaviour::default());
    let cache = tempfile::tempdir().unwrap();
    assert!(succeeded(&run(&mut lesson(
        REPO,
        cache.path(),
        &hub.endpoint,
        false
    ))));

    let weights = cached_weights(cache.path());
    let full = std::fs::metadata(&weights).unwrap().len();
    let truncate = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&weights)
            .unwrap()
            .set_len(full / 2)
            .unwrap()
    };
    truncate();
    let offline = run(&mut lesson(REPO, cache.path(), NO_HUB, true));
    let error = one_line_error(&offline);
    assert!(
        error.contains("not a valid safetensors file") && error.contains("re-fetch"),
        "{error}"
    );

    let online = run(&mut lesson(REPO, cache.path(), &hub.endpoint, false));
    assert!(
        succeeded(&online),
        "{}",
        String::from_utf8_lossy(&online.stderr)
    );
    assert!(String::from_utf8_lossy(&online.stderr).contains("is damaged"));
    assert_eq!(hub.transfers_of("model.safetensors"), 2);
    assert_eq!(std::fs::metadata(&weights).unwrap().len(), full);

    // Damaged, and the Hub unreachable without HF_HUB_OFFLINE: the same clear error.
    truncate();
    let error = one_line_error(&run(&mut lesson(REPO, cache.path(), NO_HUB, false)));
    assert!(error.contains("cannot be fetched again"), "{error}");
    // The damaged copy is kept until a replacement is in hand: it is still there.
    assert_eq!(std::fs::metadata(&weights).unwrap().len(), full / 2);
    assert!(
        std::fs::read_dir(weights.parent().unwrap())
            .unwrap()
            .all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".damaged")),
        "nothing is left aside"
    );
}

#[test]
fn an_unusable_cache_falls_back_offline_and_is_named_online() {
    let place = tempfile::tempdir().unwrap();
    let not_a_folder = place.path().join("cache-file");
    std::fs::write(&not_a_folder, "").unwrap();
    let course_model = |endpoint: &str, offline: bool| {
        let mut command = lesson("bert-base-uncased", place.path(), endpoint, offline);
        command.env("HF_HUB_CACHE", &not_a_folder);
        run(&mut command)
    };
    // No network, declared or not: the course model's stand-in, the same both ways.
    for offline in [true, false] {
        let output = course_model(NO_HUB, offline);
        assert!(
            succeeded(&output),
            "offline={offline}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("offline stand-in"));
    }
    // A Hub that answers: the cache is the problem, and the error names its variable.
    let hub = hub_with(&[(REPO, bert_repo())], Behaviour::default());
    let error = one_line_error(&course_model(&hub.endpoint, false));
    assert!(
        error.contains("cannot be written") && error.contains("HF_HUB_CACHE"),
        "{error}"
    );
}

#[test]
fn an_interrupted_download_resumes_where_it_stopped() {
    let repo = bert_repo();
    let behaviour = Behaviour {
        cut_first_transfer: Some(1 << 20),
        ..Behaviour::default()
    };
    let hub = hub_with(&[(REPO, repo.clone())], behaviour);
    let cache = tempfile::tempdir().unwrap();
    let output = run(&mut lesson(REPO, cache.path(), &hub.endpoint, false));
    assert!(
        succeeded(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        hub.transfers_of("model.safetensors"),
        2,
        "one cut, one resumed"
    );
    assert_eq!(
        std::fs::read(cached_weights(cache.path())).unwrap(),
        repo["model.safetensors"]
    );
}

#[test]
fn two_lessons_started_together_share_one_download() {
    // Slower than hf-hub's own lock waits (about 5 s), so the second lesson must wait for
    // the first one's download rather than give up or download again.
    let behaviour = Behaviour {
        slow_weights: Some(Duration::from_secs(7)),
        ..Behaviour::default()
    };
    let hub = hub_with(&[(REPO, bert_repo())], behaviour);
    let cache = tempfile::tempdir().unwrap();
    // Each into a folder of its own: two runs into one folder cannot both succeed.
    let first = lesson_into(
        REPO,
        cache.path(),
        &cache.path().join("first"),
        &hub.endpoint,
        false,
    )
    .spawn()
    .unwrap();
    let second = lesson_into(
        REPO,
        cache.path(),
        &cache.path().join("second"),
        &hub.endpoint,
        false,
    )
    .spawn()
    .unwrap();
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(
            succeeded(&output),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(hub.transfers_of("model.safetensors"), 1);
}

#[test]
fn an_unknown_repo_is_named_not_found() {
    let hub = hub_with(&[], Behaviour::default());
    let cache = tempfile::tempdir().unwrap();
    let error = one_line_error(&run(&mut lesson(
        "nobody/nothing",
        cache.path(),
        &hub.endpoint,
        false,
    )));
    assert!(
        error.contains("not found on the Hugging Face Hub") && error.contains("spelling"),
        "{error}"
    );
}

#[test]
fn a_pytorch_only_repo_is_refused_with_the_reason() {
    let mut files = bert_repo();
    let weights = files.remove("model.safetensors").unwrap();
    files.insert("pytorch_model.bin".into(), weights);
    let hub = hub_with(&[("course/pytorch-only", files)], Behaviour::default());
    let cache = tempfile::tempdir().unwrap();
    let error = one_line_error(&run(&mut lesson(
        "course/pytorch-only",
        cache.path(),
        &hub.endpoint,
        false,
    )));
    assert!(error.contains("only PyTorch weights"), "{error}");
}

/// A llama.cpp-style repo: no safetensors, two GGUF files. The lesson lists the repo,
/// downloads only the most precise GGUF (or the one `--gguf-file` names), and reads it
/// again offline from the cache.
#[test]
fn a_gguf_repo_is_listed_and_its_most_precise_file_downloaded() {
    let standins = common::model::standins::ensure().expect("stand-ins are prepared");
    let gguf = standins
        .cached(
            common::model::standins::GPT,
            "SmolLM2-135M-Instruct.Q4_1.gguf",
        )
        .expect("the stand-in GPT has its GGUF");
    let bytes = std::fs::read(gguf).unwrap();
    let files = BTreeMap::from([
        ("README.md".to_string(), b"# tiny".to_vec()),
        ("smollm2-Q4_1.gguf".to_string(), bytes.clone()),
        ("smollm2-Q8_0.gguf".to_string(), bytes),
    ]);
    const GGUF_REPO: &str = "course/smollm2-GGUF";
    let hub = hub_with(&[(GGUF_REPO, files)], Behaviour::default());
    let cache = tempfile::tempdir().unwrap();
    let first = run(&mut lesson(GGUF_REPO, cache.path(), &hub.endpoint, false));
    assert!(
        succeeded(&first),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(hub.transfers_of("smollm2-Q8_0.gguf"), 1);
    assert_eq!(hub.transfers_of("smollm2-Q4_1.gguf"), 0);
    let offline = run(&mut lesson(GGUF_REPO, cache.path(), NO_HUB, true));
    assert!(
        succeeded(&offline),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    assert_eq!(offline.stdout, first.stdout);
    let chosen = run(lesson(GGUF_REPO, cache.path(), &hub.endpoint, false)
        .args(["--gguf-file", "smollm2-Q4_1.gguf"]));
    assert!(
        succeeded(&chosen),
        "{}",
        String::from_utf8_lossy(&chosen.stderr)
    );
    assert_eq!(hub.transfers_of("smollm2-Q4_1.gguf"), 1);
}
