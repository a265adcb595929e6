//! Behaviour tests: a program and its rewrite both run under python3 against a loopback HTTP
//! server that counts requests in flight. The results must be the same, and the rewrite must keep
//! to its bound.
//!
//! Deadline rewrites run against an endpoint that never answers: the original must still be
//! waiting when the rewrite has long given up, within the configured time plus a small margin,
//! with the exception the catalog documents.
//!
//! Needs python3 on PATH. httpx and requests are taken from it when importable, otherwise
//! installed once into a virtualenv under `target/` (the package index is the only network used).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A python3 that can import httpx and requests.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let system = PathBuf::from("python3");
        if has_http_libraries(&system) {
            return system;
        }
        common::virtualenv_with(
            "behaviour-venv",
            &["httpx", "requests"],
            "python3",
            has_http_libraries,
        )
    })
}

fn has_http_libraries(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import httpx, requests"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[derive(Debug)]
struct Run {
    result: serde_json::Value,
    peak: u64,
    served: u64,
}

fn run_program(program: &Path, n: u32) -> Run {
    let out = Command::new(python())
        .arg(manifest_dir().join("tests/behaviour/harness.py"))
        .arg(program)
        .arg(n.to_string())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("harness prints JSON");
    Run {
        result: json["result"].clone(),
        peak: json["peak"].as_u64().unwrap(),
        served: json["served"].as_u64().unwrap(),
    }
}

/// Runs a script under the harness as `python PROGRAM base_url n` runs: its result is what it
/// printed (`lines`) and the exception it ended with (`error`).
fn run_script(program: &Path, n: u32) -> Run {
    let out = Command::new(python())
        .arg(manifest_dir().join("tests/behaviour/harness.py"))
        .arg("--script")
        .arg(program)
        .arg(n.to_string())
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("harness prints JSON");
    assert!(
        json["result"]["error"].is_null(),
        "{} ended with {}",
        program.display(),
        json["result"]["error"]
    );
    Run {
        result: json["result"]["lines"].clone(),
        peak: json["peak"].as_u64().unwrap(),
        served: json["served"].as_u64().unwrap(),
    }
}

/// The lines a script printed, sorted, without the server's port: for output whose order is the
/// order requests complete.
fn sorted_lines(run: &Run) -> Vec<String> {
    let without_port = |line: &str| match line.split_once("http://127.0.0.1:") {
        Some((head, tail)) => {
            let path = tail.find('/').map_or("", |i| &tail[i..]);
            format!("{head}<server>{path}")
        }
        None => line.to_string(),
    };
    let mut lines: Vec<String> = run
        .result
        .as_array()
        .unwrap()
        .iter()
        .map(|l| without_port(l.as_str().unwrap()))
        .collect();
    lines.sort();
    lines
}

/// Copies `program` into a fresh directory and rewrites it with `corral apply --select <rule>`.
fn rewritten(program: &Path, rule: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(program.file_name().unwrap());
    std::fs::copy(program, &copy).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(["apply", "--select", rule])
        .args(extra)
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        std::fs::read_to_string(&copy).unwrap(),
        std::fs::read_to_string(program).unwrap(),
        "corral rewrote the program"
    );
    (dir, copy)
}

#[test]
fn unbounded_gather_keeps_results_and_holds_the_bound() {
    let before = manifest_dir().join("tests/behaviour/unbounded-gather/fan_out.py");
    let n = 60;
    let original = run_program(&before, n);
    assert!(
        original.peak > 30,
        "the original fans out without a bound (peak {}), or the test proves nothing",
        original.peak
    );

    for (limit, args) in [(10, vec![]), (3, vec!["--max-concurrency", "3"])] {
        let (_dir, after) = rewritten(&before, "unbounded-gather", &args);
        let bounded = run_program(&after, n);
        eprintln!(
            "unbounded-gather, limit {limit}: peak in flight {} before, {} after",
            original.peak, bounded.peak
        );
        assert_eq!(
            bounded.result, original.result,
            "limit {limit}: same results"
        );
        assert!(
            bounded.peak <= limit,
            "limit {limit}: peak in flight was {}",
            bounded.peak
        );
        assert!(bounded.peak >= 2, "still concurrent: peak {}", bounded.peak);
        assert!(bounded.served >= u64::from(n), "every request was made");
    }
    assert_eq!(original.result["failed"], 503);
    assert_eq!(original.result["mixed"][7], "HTTPStatusError");
    // The fan-outs written with map gave the same profiles, and every status.
    assert_eq!(original.result["mapped"], original.result["profiles"]);
    assert_eq!(original.result["lambdas"], original.result["profiles"]);
    assert_eq!(original.result["statuses"][7], 503);
}

/// Runs a program under the harness, killing it after `limit`: `None` if it was still running.
fn run_with_limit(program: &Path, limit: Duration) -> Option<serde_json::Value> {
    let mut child = Command::new(python())
        .arg(manifest_dir().join("tests/behaviour/harness.py"))
        .arg(program)
        .arg("1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            assert!(
                status.success(),
                "{} failed:\n{}",
                program.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            return Some(json["result"].clone());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

const TIMEOUT: f64 = 1.0;
/// Slack for interpreter start-up, imports and a loaded machine.
const MARGIN: f64 = 2.0;

/// The original hangs; the rewrite gives up after about `TIMEOUT` seconds with `expected`.
fn gives_up_in_time(
    program: &str,
    rule: &str,
    extra: &[&str],
    expected: &[&str],
) -> serde_json::Value {
    let before = manifest_dir()
        .join("tests/behaviour/deadlines")
        .join(program);
    let waited = run_with_limit(&before, Duration::from_secs_f64(TIMEOUT + MARGIN + 1.0));
    assert!(
        waited.is_none(),
        "{program}: the original should still be waiting, got {waited:?}"
    );

    let mut args = vec!["--timeout", "1"];
    args.extend_from_slice(extra);
    let (_dir, after) = rewritten(&before, rule, &args);
    let result = run_with_limit(&after, Duration::from_secs(20))
        .unwrap_or_else(|| panic!("{program}: the rewrite is still waiting"));
    let elapsed = result["elapsed"].as_f64().expect("elapsed");
    eprintln!(
        "{rule} on {program}: gave up after {elapsed:.2} s with {}",
        result
    );
    assert!(
        (TIMEOUT * 0.9..=TIMEOUT + MARGIN).contains(&elapsed),
        "{program}: gave up after {elapsed} s"
    );
    let error = result["error"]
        .as_str()
        .or(result["outcome"].as_str())
        .unwrap_or_default();
    assert!(
        expected.contains(&error),
        "{program}: got {error}, expected one of {expected:?}"
    );
    result
}

/// Runs `corral apply` on a copy of `program` and asserts it left the file as it was, with the
/// finding (if any) reported; then runs the program as corral left it, which must finish.
fn kept_and_working(program: &str, rule: &str, extra: &[&str]) -> Run {
    let before = manifest_dir().join("tests/behaviour/kept").join(program);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(program);
    std::fs::copy(&before, &copy).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(["apply", "--select", rule])
        .args(extra)
        .arg(&copy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{program}: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        std::fs::read_to_string(&before).unwrap(),
        "{program}: corral must leave it as it is:\n{stderr}"
    );
    eprintln!("{rule} on {program}: left as it is\n{stderr}");
    run_program(&copy, 30)
}

#[test]
fn unbounded_gather_refuses_calls_that_wait_on_each_other() {
    // 25 calls; the last sets the event the others wait on. A bound of 10 would hang them.
    let run = kept_and_working("deadlock.py", "unbounded-gather", &[]);
    let statuses = run.result.as_array().unwrap();
    assert_eq!(statuses.len(), 26);
    assert!(statuses.iter().all(|s| s == 200));
    assert!(
        run.peak > 10,
        "more in flight than a bound of 10 would allow: {}",
        run.peak
    );
}

#[test]
fn unbounded_gather_leaves_awaitable_objects_that_outlive_the_gather() {
    let run = kept_and_working("awaitable_objects.py", "unbounded-gather", &[]);
    let statuses = run.result.as_array().unwrap();
    assert_eq!(statuses.len(), 30);
    assert_eq!(statuses[6], 503, "uid 7 fails");
    assert_eq!(statuses[0], 200);
}

#[test]
fn blocking_wait_leaves_an_idle_consumer_alone() {
    // Items come 1.5 s apart; a 1 s timeout on the consumer's get() would kill it.
    let run = kept_and_working(
        "idle_consumer.py",
        "blocking-wait-without-timeout",
        &[
            "--wait-timeout",
            "1",
            "--subprocess-timeout",
            "1",
            "--timeout",
            "1",
        ],
    );
    assert_eq!(run.result["statuses"], serde_json::json!([200, 200, 200]));
    assert_eq!(run.result["alive"], false);
}

#[test]
fn blocking_wait_leaves_a_wait_inside_with_popen_alone() {
    // The child takes 1.5 s; a 1 s timeout would turn its success into TimeoutExpired.
    let run = kept_and_working(
        "popen_block.py",
        "blocking-wait-without-timeout",
        &[
            "--wait-timeout",
            "1",
            "--subprocess-timeout",
            "1",
            "--timeout",
            "1",
        ],
    );
    assert_eq!(run.result["out"], "done");
    assert_eq!(run.result["slow"], true);
}

#[test]
fn await_without_deadline_respects_the_clients_own_timeout() {
    // The call takes 1.5 s under a client timeout of 3 s; a 1 s deadline would cut it.
    let run = kept_and_working(
        "client_timeout.py",
        "await-without-deadline",
        &["--timeout", "1"],
    );
    assert_eq!(run.result, serde_json::json!({"slow": true}));
}

#[test]
fn await_without_deadline_bounds_the_connect_but_not_the_pump() {
    let before = manifest_dir().join("tests/behaviour/kept/pump.py");
    let original = run_program(&before, 1);
    let (_dir, after) = rewritten(
        &before,
        "await-without-deadline",
        &["--timeout", "1", "--target-version", "py311"],
    );
    let text = std::fs::read_to_string(&after).unwrap();
    // The deadline covers the connect and the request, and ends before the loop.
    let deadline = text.find("async with asyncio.timeout(").expect(&text);
    let pump = text.find("while True:").expect(&text);
    assert!(deadline < pump, "{text}");
    let line_start = text[..pump].rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(
        &text[line_start..pump],
        "    ",
        "the pump stays outside the deadline: {text}"
    );
    // The feed is quiet 1.5 s between lines, longer than the 1 s deadline.
    let moved = run_program(&after, 1);
    eprintln!(
        "await-without-deadline on pump.py: {} before, {} after",
        original.result, moved.result
    );
    assert_eq!(
        original.result["lines"],
        serde_json::json!(["tick 0", "tick 1", "tick 2"])
    );
    assert_eq!(moved.result, original.result);
}

#[test]
fn missing_timeout_makes_a_silent_session_call_fail() {
    gives_up_in_time(
        "requests_session.py",
        "missing-timeout",
        &[],
        &["requests.exceptions.ReadTimeout"],
    );
}

#[test]
fn missing_timeout_makes_a_silent_urlopen_fail() {
    // urlopen lets a read timeout through unwrapped: socket.timeout, the builtin since 3.10.
    gives_up_in_time(
        "urlopen.py",
        "missing-timeout",
        &[],
        &["builtins.TimeoutError", "urllib.error.URLError"],
    );
}

#[test]
fn await_without_deadline_raises_timeout_error_on_311() {
    gives_up_in_time(
        "stream_probe.py",
        "await-without-deadline",
        &["--target-version", "py311"],
        &["builtins.TimeoutError"],
    );
}

#[test]
fn await_without_deadline_fallback_splits_a_function_with_several_awaits() {
    // Before 3.11 one deadline over several awaits moves the body into a private coroutine
    // awaited through asyncio.wait_for (asyncio.TimeoutError, the builtin on the 3.11 running here).
    let result = gives_up_in_time(
        "stream_probe.py",
        "await-without-deadline",
        &["--target-version", "py38"],
        &["builtins.TimeoutError", "asyncio.exceptions.TimeoutError"],
    );
    assert!(result["outcome"].is_null());
}

#[test]
fn await_without_deadline_fallback_is_caught_by_widened_handler() {
    // Before 3.11 wait_for raises asyncio.TimeoutError, which `except TimeoutError` would miss;
    // the rewrite widens the handler, so the program handles it.
    let result = gives_up_in_time(
        "single_await.py",
        "await-without-deadline",
        &["--target-version", "py38"],
        &["handled"],
    );
    assert_eq!(result["outcome"], "handled");
}

#[test]
fn blocking_wait_makes_a_stuck_future_fail() {
    // concurrent.futures.TimeoutError, which is the builtin TimeoutError from 3.11.
    gives_up_in_time(
        "future_result.py",
        "blocking-wait-without-timeout",
        &["--wait-timeout", "1"],
        &[
            "builtins.TimeoutError",
            "concurrent.futures._base.TimeoutError",
        ],
    );
}

#[test]
fn threadpool_to_taskgroup_keeps_results_bound_and_maps_the_failure() {
    let before = manifest_dir().join("tests/behaviour/threadpool/fetch_all.py");
    let n = 30;
    let original = run_program(&before, n);
    assert!(
        original.peak <= 4 && original.peak >= 2,
        "the pool ran 4 at a time: {}",
        original.peak
    );
    assert_eq!(original.result["failed"], "requests.exceptions.HTTPError");
    for (client, target, shape, failure) in [
        (
            "httpx",
            "py311",
            "httpx.AsyncClient(",
            "builtins.ExceptionGroup[httpx.HTTPStatusError]",
        ),
        ("httpx", "py39", "asyncio.gather(", "httpx.HTTPStatusError"),
        (
            "to-thread",
            "py311",
            "asyncio.to_thread, fetch_profile",
            "builtins.ExceptionGroup[requests.exceptions.HTTPError]",
        ),
    ] {
        let (_dir, after) = rewritten(
            &before,
            "threadpool-network-io",
            &["--http-client", client, "--target-version", target],
        );
        let text = std::fs::read_to_string(&after).unwrap();
        assert!(text.contains(shape), "{text}");
        let moved = run_program(&after, n);
        eprintln!(
            "threadpool-network-io {client} {target}: peak in flight {} before, {} after; failure {} before, {} after",
            original.peak, moved.peak, original.result["failed"], moved.result["failed"]
        );
        assert_eq!(
            moved.result["good"], original.result["good"],
            "{target}: same results, same order"
        );
        assert!(
            moved.peak <= 4,
            "{target}: the bound of max_workers=4 holds: {}",
            moved.peak
        );
        assert!(
            moved.peak >= 2,
            "{target}: still concurrent: {}",
            moved.peak
        );
        assert_eq!(
            moved.result["failed"], failure,
            "{target}: the failure surfaces as the mapped exception"
        );
    }
}

#[test]
fn submit_as_completed_keeps_the_partition_and_the_bound() {
    let before = manifest_dir().join("tests/behaviour/threadpool/check_links.py");
    let n = 30;
    let original = run_program(&before, n);
    let (_dir, after) = rewritten(
        &before,
        "threadpool-submit-network-io",
        &["--http-client", "httpx", "--target-version", "py311"],
    );
    let moved = run_program(&after, n);
    eprintln!(
        "threadpool-submit-network-io: peak {} before, {} after; broken {} before, {} after",
        original.peak, moved.peak, original.result["broken"], moved.result["broken"]
    );
    assert_eq!(
        moved.result["ok"], original.result["ok"],
        "the same URLs succeed"
    );
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&moved.result["broken"]),
        keys(&original.result["broken"]),
        "the same URLs fail"
    );
    assert!(original.result["broken"]
        .as_object()
        .unwrap()
        .values()
        .all(|v| v == "HTTPError"));
    assert!(
        moved.result["broken"]
            .as_object()
            .unwrap()
            .values()
            .all(|v| v == "HTTPStatusError"),
        "failures are the mapped httpx exception"
    );
    assert!(
        moved.peak <= 5 && moved.peak >= 2,
        "max_workers=5 still bounds: {}",
        moved.peak
    );
}

#[test]
fn executor_hops_become_a_bounded_task_group() {
    let before = manifest_dir().join("tests/behaviour/threadpool/statuses.py");
    let n = 30;
    let original = run_program(&before, n);
    let (_dir, after) = rewritten(
        &before,
        "executor-wrapped-http",
        &[
            "--http-client",
            "httpx",
            "--target-version",
            "py311",
            "--max-concurrency",
            "5",
        ],
    );
    let text = std::fs::read_to_string(&after).unwrap();
    assert!(
        text.contains("asyncio.TaskGroup()") && !text.contains("run_in_executor(None"),
        "{text}"
    );
    let moved = run_program(&after, n);
    eprintln!(
        "executor-wrapped-http: peak {} before, {} after",
        original.peak, moved.peak
    );
    assert_eq!(
        moved.result, original.result,
        "the same status for every URL"
    );
    assert!(
        moved.peak <= 5 && moved.peak >= 2,
        "--max-concurrency 5 bounds it: {}",
        moved.peak
    );
}

/// Rewrites a thread-pool program with both thread-pool transforms and the given flags, and
/// checks that its text has each of `shapes`.
fn moved(program: &Path, flags: &[&str], shapes: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let (dir, after) = rewritten(
        program,
        "threadpool-network-io,threadpool-submit-network-io",
        flags,
    );
    let text = std::fs::read_to_string(&after).unwrap();
    for shape in shapes {
        assert!(
            text.contains(shape),
            "{} lacks {shape}:\n{text}",
            program.display()
        );
    }
    (dir, after)
}

/// Moves a thread-pool program (`main(base_url, n)`) to httpx for `target` with the `shapes` in
/// its text; the rewrite gives the same results and never more than `bound` requests at once.
fn keeps_results_and_bound(program: &str, target: &str, bound: u64, shapes: &[&str]) {
    let before = threadpool_program(program);
    let original = run_program(&before, 30);
    let flags = ["--http-client", "httpx", "--target-version", target];
    let (_dir, after) = moved(&before, &flags, shapes);
    let run = run_program(&after, 30);
    assert_eq!(run.result, original.result, "{program}: the same results");
    held(program, &original, &run, bound);
}

/// A program of the thread-pool behaviour tests: a name in `tests/behaviour/threadpool`, or a
/// case file (by its path in the repository) that is a runnable program too.
fn threadpool_program(program: &str) -> PathBuf {
    if program.contains('/') {
        manifest_dir().join(program)
    } else {
        manifest_dir()
            .join("tests/behaviour/threadpool")
            .join(program)
    }
}

/// The rewrite ran the same requests as the original, never more at once than `bound`, and
/// still several at once.
fn held(name: &str, original: &Run, moved: &Run, bound: u64) {
    eprintln!(
        "{name}: peak in flight {} before, {} after; {} and {} requests served",
        original.peak, moved.peak, original.served, moved.served
    );
    assert!(
        original.peak <= bound,
        "{name}: the original's own bound: {}",
        original.peak
    );
    assert!(
        moved.peak <= bound,
        "{name}: the bound of {bound} holds: {}",
        moved.peak
    );
    assert!(moved.peak >= 2, "{name}: still concurrent: {}", moved.peak);
    assert_eq!(moved.served, original.served, "{name}: the same requests");
}

#[test]
fn threadpool_in_module_code_moves_into_main_keeping_output_and_bound() {
    for (program, bound, shape) in [
        (
            "module_guard.py",
            4,
            "if __name__ == \"__main__\":\n    asyncio.run(main())",
        ),
        ("top_level.py", 3, "\nasyncio.run(main())"),
    ] {
        let before = threadpool_program(program);
        let original = run_script(&before, 30);
        for target in ["py311", "py39"] {
            let flags = ["--http-client", "httpx", "--target-version", target];
            let (_dir, after) = moved(&before, &flags, &["async def main():", shape]);
            let run = run_script(&after, 30);
            assert_eq!(
                run.result, original.result,
                "{program} {target}: the same output"
            );
            held(&format!("{program} {target}"), &original, &run, bound);
        }
    }
}

#[test]
fn threadpool_map_consumers_bound_methods_and_multiprocessing_pools_keep_results() {
    for (program, bound, shapes) in [
        (
            "map_consumers.py",
            3,
            &["return_exceptions=True", "user = await _task"][..],
        ),
        ("bound_method.py", 4, &["self.fetch_async, _client"][..]),
        (
            "transforms/threadpool-network-io/cases/positive_responses_read.py",
            4,
            &[
                "_tg.create_task(_bounded(_client.get, _item0))",
                "asyncio.to_thread,",
            ][..],
        ),
        (
            "workers.py",
            3,
            &[
                "async def status_async(client, uid):",
                "async def _call(u):",
            ][..],
        ),
        (
            "mp_pool.py",
            3,
            &["asyncio.as_completed(", "asyncio.create_task("][..],
        ),
    ] {
        keeps_results_and_bound(program, "py311", bound, shapes);
    }
}

#[test]
fn threadpool_futures_are_read_where_they_were() {
    for (program, bound, shapes) in [
        ("assigned.py", 5, &["finally:", "(await f)[0]"][..]),
        (
            "handled_in_order.py",
            4,
            &["except httpx.HTTPStatusError:"][..],
        ),
    ] {
        keeps_results_and_bound(program, "py39", bound, shapes);
    }
}

#[test]
fn threadpool_network_io_that_keeps_its_library_runs_through_to_thread_bounded() {
    // urllib (the concurrent.futures documentation's example) and a session per thread: their
    // lines come in the order requests complete.
    for (program, bound, shapes) in [
        (
            "docs_example.py",
            5,
            &["asyncio.to_thread, load_url", "asyncio.FIRST_COMPLETED"][..],
        ),
        (
            "session_per_thread.py",
            5,
            &["asyncio.to_thread, download_site"][..],
        ),
        (
            "transforms/threadpool-network-io/cases/positive_shared_session.py",
            4,
            &["_bounded(asyncio.to_thread, status, _item0, _item1)"][..],
        ),
    ] {
        let before = threadpool_program(program);
        let original = run_script(&before, 30);
        let flags = ["--http-client", "httpx", "--target-version", "py311"];
        let (_dir, after) = moved(&before, &flags, shapes);
        let run = run_script(&after, 30);
        assert_eq!(
            sorted_lines(&run),
            sorted_lines(&original),
            "{program}: the same lines"
        );
        held(program, &original, &run, bound);
    }
}

#[test]
fn threadpool_rewrite_gives_up_after_the_timeout() {
    // requests had no timeout; every request of the rewrite has --timeout.
    gives_up_in_time(
        "pool_hang.py",
        "threadpool-network-io",
        &["--http-client", "httpx", "--target-version", "py311"],
        &["httpx.ReadTimeout"],
    );
}

#[test]
fn executor_hops_awaited_in_a_loop_or_through_wait_are_bounded() {
    let before = manifest_dir().join("tests/behaviour/threadpool/async_shapes.py");
    let original = run_program(&before, 30);
    for target in ["py311", "py39"] {
        let (_dir, after) = rewritten(
            &before,
            "executor-wrapped-http",
            &[
                "--http-client",
                "httpx",
                "--target-version",
                target,
                "--max-concurrency",
                "3",
            ],
        );
        let text = std::fs::read_to_string(&after).unwrap();
        assert!(
            text.contains("asyncio.wait([asyncio.create_task(")
                && !text.contains("run_in_executor(None"),
            "{text}"
        );
        assert!(text.contains("async def _one(i):"), "{text}");
        let moved = run_program(&after, 30);
        eprintln!(
            "executor-wrapped-http {target}: peak {} before, {} after",
            original.peak, moved.peak
        );
        assert_eq!(moved.result, original.result, "{target}: the same statuses");
        assert!(
            moved.peak <= 3 && moved.peak >= 2,
            "{target}: --max-concurrency 3 bounds it: {}",
            moved.peak
        );
        assert_eq!(moved.served, original.served);
    }
}

#[test]
fn threadpool_map_timeout_becomes_a_deadline_that_cancels() {
    // Each call takes 1.5 s; the map's timeout is 1 s. The pool raises TimeoutError and then
    // waits for its threads; the rewrite raises TimeoutError and cancels the requests.
    let before = manifest_dir().join("tests/behaviour/threadpool/map_deadline.py");
    let original = run_program(&before, 1);
    assert_eq!(original.result["error"], "builtins.TimeoutError");
    for target in ["py311", "py39"] {
        let flags = ["--http-client", "httpx", "--target-version", target];
        let (_dir, after) = moved(&before, &flags, &["1)"]);
        let run = run_program(&after, 1);
        let elapsed = run.result["elapsed"].as_f64().unwrap();
        eprintln!(
            "map timeout {target}: {} after {:.2} s, the original after {:.2} s",
            run.result["error"],
            elapsed,
            original.result["elapsed"].as_f64().unwrap()
        );
        let expected: &[&str] = if target == "py39" {
            // wait_for raises asyncio.TimeoutError, the builtin on the 3.11 running here.
            &["builtins.TimeoutError", "asyncio.exceptions.TimeoutError"]
        } else {
            &["builtins.TimeoutError"]
        };
        assert!(
            expected.contains(&run.result["error"].as_str().unwrap_or_default()),
            "{target}: {}",
            run.result["error"]
        );
        assert!(
            (0.9..=1.0 + MARGIN).contains(&elapsed),
            "{target}: gave up after {elapsed} s"
        );
    }
}

#[test]
fn library_variant_gives_the_same_results_and_leaves_the_function() {
    let before = manifest_dir().join("tests/behaviour/threadpool/library_variant.py");
    let original = run_program(&before, 30);
    let flags = [
        "--http-client",
        "httpx",
        "--target-version",
        "py311",
        "--library-variants",
    ];
    let (_dir, after) = moved(&before, &flags, &["async def statuses_async(urls):"]);
    let text = std::fs::read_to_string(&after).unwrap();
    assert!(
        text.contains("def statuses(urls):\n    with ThreadPoolExecutor(max_workers=3) as pool:"),
        "the library function stays as it was:\n{text}"
    );
    let run = run_program(&after, 30);
    eprintln!(
        "library variant: peak {} before, {} after",
        original.peak, run.peak
    );
    assert_eq!(run.result["sync"], original.result["sync"]);
    assert_eq!(
        run.result["variant"], original.result["sync"],
        "the variant gives the same"
    );
    assert!(run.peak <= 3, "the bound of 3 holds: {}", run.peak);
}
