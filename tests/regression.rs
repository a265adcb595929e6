//! Inputs the fuzzer (`tests/fuzz.rs`) found, each named after what it pins.

use std::io::Write;
use std::process::{Command, Stdio};

use corral::engine::{self, Fixing, Outcome};
use corral::registry::RULES;
use corral::settings::Settings;
use corral::source::SourceText;

fn fix(text: &str, settings: &Settings) -> Outcome {
    let source = SourceText::decode(text.as_bytes()).expect("decodes");
    engine::run(&source, RULES, settings, Fixing::All).expect("not skipped")
}

fn python_compiles(text: &str) -> bool {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys; compile(sys.stdin.read(), 'case.py', 'exec')",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 is on PATH");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    child.wait().unwrap().success()
}

/// The pool (or call) is reported, with `reason` in the message, and the file is left as it is.
fn reported_not_fixed(outcome: &Outcome, reason: &str) {
    assert_eq!(outcome.fixed, None);
    assert!(
        outcome.findings.iter().any(|f| f.message.contains(reason)),
        "reported with the reason `{reason}`"
    );
}

/// Whatever was rewritten compiles, and the finding is still reported.
fn compiles_if_fixed_and_still_reported(outcome: &Outcome) {
    if let Some(fixed) = &outcome.fixed {
        assert!(python_compiles(fixed), "{fixed}");
    }
    assert!(!outcome.findings.is_empty(), "still reported");
}

/// Imports went before a docstring written as two adjacent literals, and so before
/// `from __future__ import ...`, which must come first.
#[test]
fn an_implicitly_concatenated_docstring_keeps_future_imports_first() {
    let text = "\"A\" \"docstring.\"\n\nfrom __future__ import annotations\n\nfrom asyncio import gather\n\n\n\
                async def fetch_all(client, urls):\n    return await gather(*(client.get(u) for u in urls))\n";
    assert!(python_compiles(text));
    let fixed = fix(text, &Settings::default()).fixed.expect("rewritten");
    assert!(
        fixed.starts_with(
            "\"A\" \"docstring.\"\n\nfrom __future__ import annotations\n\nimport asyncio\n"
        ),
        "{fixed}"
    );
    assert!(python_compiles(&fixed), "{fixed}");
}

/// A statement on a line continued from a blank one (`  \`): Python takes the blank line's
/// indentation for it, tree-sitter its own, so the lines a fix inserted before it were indented
/// for neither and the rewrite did not compile. Such a fix is not applied.
#[test]
fn a_statement_continued_from_a_blank_line_is_not_rewritten() {
    let text = "import asyncio\n\n\nasync def fetch(session, u):\n    return await session.get(u)\n\n\n\
                async def main(session, urls):\n  \\\n   return await asyncio.gather(*[fetch(session, u) for u in urls])\n";
    assert!(python_compiles(text));
    let outcome = fix(text, &Settings::default());
    assert_eq!(outcome.findings.len(), 1, "still reported");
    assert_eq!(outcome.fixed, None);
}

/// Two byte-order marks: the second stayed at the top of the text, imports a fix added went
/// above it, and Python rejects U+FEFF anywhere but at the start. Such a file is skipped.
#[test]
fn a_second_byte_order_mark_is_skipped_rather_than_pushed_down() {
    let mut bytes = b"\xEF\xBB\xBF\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        b"import httpx\n\n\ndef sync(url):\n    return httpx.get(url, timeout=None)\n",
    );
    let error = SourceText::decode(&bytes).unwrap_err();
    assert_eq!(
        error.to_string(),
        "a second byte-order mark at byte 3; Python reads it as part of the first line"
    );
}

/// Found by libFuzzer: a file of only a comment that holds a trigger word and `corral:` had no
/// statement to cut into pieces, and looking up the piece holding the comment indexed an empty
/// list.
#[test]
fn a_file_of_one_comment_naming_corral_and_a_trigger_is_checked() {
    let text = "# corral: see asyncio.gather(*xs) and import requests";
    let source = SourceText::decode(text.as_bytes()).unwrap();
    for fixing in [Fixing::No, Fixing::All] {
        let outcome = engine::run(&source, RULES, &Settings::default(), fixing).unwrap();
        assert!(outcome.findings.is_empty() && outcome.fixed.is_none());
    }
}

/// Found by the fuzzer: an `async def` defined twice, rewritten for a deadline before 3.11. Each
/// definition got a wrapper around a private copy, the next pass wrapped the wrappers, and the
/// fixes never settled. A function defined more than once is now only reported.
#[test]
fn a_function_defined_twice_is_not_wrapped_for_a_deadline_again_and_again() {
    let probe = "async def probe(host, port):\n    reader, writer = await asyncio.open_connection(host, port)\n    \
                 try:\n        await writer.drain()\n        return await reader.readline()\n    finally:\n        writer.close()\n";
    let text = format!("import asyncio\n\n\n{probe}\n\n{probe}");
    assert!(python_compiles(&text));
    let mut settings = Settings::default();
    settings.timeout = 5.0;
    settings.timeout_chosen = true;
    settings.target = corral::settings::PyVersion(9);
    let outcome = fix(&text, &settings);
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert!(!outcome.findings.is_empty(), "still reported");
    assert_eq!(outcome.fixed, None);
}

/// A `for` header continued with a backslash (`for page in pool.map\` / `(title, urls):`): the
/// streamed loop's body was taken to start on the header's second line, which the rewrite left
/// dangling. Found by the CI fuzz smoke.
#[test]
fn a_for_header_continued_with_a_backslash_is_moved_whole() {
    let text = "import requests\nfrom concurrent.futures import ThreadPoolExecutor as Pool\n\n\n\
                def title(url):\n    return requests.get(url, timeout=5).text\n\n\n\
                def crawl(urls):\n    with Pool(max_workers=4) as pool:\n        for page in pool.map\\\n(title, urls):\n            print(page)\n\n\n\
                if __name__ == \"__main__\":\n    crawl([\"http://127.0.0.1:1/\"])\n";
    assert!(python_compiles(text));
    let settings = Settings {
        target: "py311".parse().unwrap(),
        ..Settings::default()
    };
    let fixed = fix(text, &settings).fixed.expect("rewritten");
    assert!(python_compiles(&fixed), "{fixed}");
    assert!(!fixed.contains("(title, urls):"), "{fixed}");
}

/// Pools sharing one worker in a file with CRLF line ends: the twin the first fix wrote did not
/// match the one the next fix would write (line ends differ), so every pass wrote another twin
/// (`get_user_async_2`, ...) and the fixes never converged. Found by a long fuzz run (seed 22).
#[test]
fn pools_sharing_a_worker_in_a_crlf_file_share_one_twin() {
    let mut text = String::from(
        "from concurrent.futures import ThreadPoolExecutor\n\nimport requests\n\n\n\
         def get_user(uid):\n    return requests.get(f\"https://api.example.com/users/{uid}\", timeout=10).json()\n\n\n",
    );
    for name in ["names", "ages", "teams"] {
        text.push_str(&format!(
            "def {name}(uids):\n    with ThreadPoolExecutor(max_workers=6) as ex:\n        \
             return list(ex.map(get_user, uids))\n\n\n"
        ));
    }
    text.push_str("if __name__ == \"__main__\":\n    print(names([1]), ages([2]), teams([3]))\n");
    let text = text.replace('\n', "\r\n");
    assert!(python_compiles(&text));
    let outcome = fix(&text, &Settings::default());
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    let fixed = outcome.fixed.expect("rewritten");
    assert_eq!(fixed.matches("def get_user_async").count(), 1, "{fixed}");
    assert!(python_compiles(&fixed), "{fixed}");
}

/// A comprehension binding its variable twice (`for i in ids for i in ids`) around a partial
/// that reads it: the helper got the parameter twice (`async def _one(i, i)`), which does not
/// compile. Found by a long fuzz run (seed 22).
#[test]
fn a_loop_variable_bound_twice_is_one_parameter_of_the_helper() {
    let text = "import asyncio\nimport functools\n\nimport requests\n\n\n\
                async def users(base, ids):\n    responses = await asyncio.gather(\n        *[\n            \
                asyncio.to_thread(functools.partial(requests.get, f\"{base}/users/{i}\", timeout=5))\n            \
                for i in ids\n            for i in ids\n        ]\n    )\n    return [r.status_code for r in responses]\n";
    assert!(python_compiles(text));
    let fixed = fix(text, &Settings::default()).fixed.expect("rewritten");
    assert!(fixed.contains("async def _one(i):"), "{fixed}");
    assert!(python_compiles(&fixed), "{fixed}");
}

/// A pool whose function indents one line with a space then a tab: the moved block came out
/// indented inconsistently and did not compile. Such a pool is reported, not moved. Found by a
/// long fuzz run (seed 22).
#[test]
fn a_pool_in_a_function_mixing_tabs_and_spaces_is_reported_not_moved() {
    let text = "from concurrent.futures import ThreadPoolExecutor\n\nimport requests\n\n\
                session = requests.Session()\n\n\n\
                def fetch_all(urls):\n    with ThreadPoolExecutor(4) as pool:\n \t       return list(pool.map(session.get, urls))\n\n\n\
                if __name__ == \"__main__\":\n    fetch_all([])\n";
    assert!(python_compiles(text));
    let settings = Settings {
        target: "py313".parse().unwrap(),
        ..Settings::default()
    };
    let outcome = fix(text, &settings);
    reported_not_fixed(&outcome, "mixes tabs and spaces");
}

/// A comment ending a function in a CRLF file takes the CR in, so the moved function's text met
/// the original LF with a CR of its own: the rewrite held `\r\r\n`, which no reader takes for one
/// line end. Found by a long fuzz run (seed 23).
#[test]
fn a_comment_ending_a_moved_function_in_a_crlf_file_keeps_one_line_end() {
    let text = "import requests\nfrom concurrent.futures import ThreadPoolExecutor as Pool\n\n\n\
                def title(url):\n    return requests.get(url, timeout=5).text\n\n\n\
                def crawl(urls):\n    with Pool(max_workers=4) as pool:\n        for page in pool.map(title, urls):\n            print(page)\n\
                \x20   return None\n            # each result as it arrives\n\n\
                if __name__ == \"__main__\":\n    crawl([\"http://127.0.0.1:1/\"])\n"
        .replace('\n', "\r\n");
    assert!(python_compiles(&text));
    let settings = Settings {
        target: "py313".parse().unwrap(),
        ..Settings::default()
    };
    let fixed = fix(&text, &settings).fixed.expect("rewritten");
    assert!(!fixed.contains("\r\r"), "{fixed:?}");
    assert!(SourceText::decode(fixed.as_bytes()).is_ok());
    assert!(python_compiles(&fixed), "{fixed}");
}

/// `with ThreadPoolExecutor(...) as ex: return list(ex.map(...))` on one line: the moved block
/// lost its body and did not compile. Such a pool is reported, not moved. Found by a long fuzz
/// run (seed 23).
#[test]
fn a_pool_whose_block_stands_on_the_with_line_is_reported_not_moved() {
    let text = "from concurrent.futures import ThreadPoolExecutor\n\nimport requests\n\n\
                session = requests.Session()\n\n\n\
                def fetch_all(urls):\n    with ThreadPoolExecutor(max_workers=4) as ex: return list(ex.map(session.get, urls))\n\n\n\
                if __name__ == \"__main__\":\n    fetch_all([])\n";
    assert!(python_compiles(text));
    let outcome = fix(text, &Settings::default());
    reported_not_fixed(&outcome, "on the `with` line");
}

/// A loop body whose first line is a blank line continued with a backslash, inside a pool the
/// rewrite re-indents: the `\` line moved with the block and lent the statement after it its
/// own indentation, so the rewrite did not compile. A fix whose edits hold such a line is not
/// applied. Found by the CI fuzz smoke (seed 2) after the thread-pool work landed.
#[test]
fn a_block_holding_a_continued_blank_line_is_not_reindented() {
    let text = "import concurrent.futures\n\nimport requests\n\n\n\
                def size(url):\n    return len(requests.get(url, timeout=5).content)\n\n\n\
                def sizes(urls):\n    seen = []\n    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:\n        \
                futures = {ex.submit(size, u): u for u in urls}\n        for fut in concurrent.futures.as_completed(futures):\n\
                \\\n            seen.append(fut.result())\n    return seen\n\n\n\
                if __name__ == \"__main__\":\n    print(sizes([]))\n";
    assert!(python_compiles(text));
    let settings = Settings {
        target: "py313".parse().unwrap(),
        ..Settings::default()
    };
    let outcome = fix(text, &settings);
    compiles_if_fixed_and_still_reported(&outcome);
}

/// A map over an iterable written as a lambda (or another expression that binds looser than
/// `in`): moved into `for _item0 in lambda: urls`, it no longer compiled. It is parenthesized.
/// Found by a long fuzz run (seed 24).
#[test]
fn a_map_iterable_binding_looser_than_in_is_parenthesized() {
    let text = "from concurrent.futures import ThreadPoolExecutor\n\nimport requests\n\n\
                session = requests.Session()\n\n\n\
                def fetch_all(urls):\n    with ThreadPoolExecutor(4) as pool:\n        \
                return list(pool.map(session.get, urls if urls else []))\n\n\n\
                if __name__ == \"__main__\":\n    fetch_all([])\n";
    assert!(python_compiles(text));
    let fixed = fix(text, &Settings::default()).fixed.expect("rewritten");
    assert!(fixed.contains("in (urls if urls else [])"), "{fixed}");
    assert!(python_compiles(&fixed), "{fixed}");
}

/// A statement indented with spaces and then a tab: the lines a fix added there (`async with
/// asyncio.timeout(...):` and the statement under it) could not match Python's reading of that
/// indentation, and the rewrite did not compile. Such a fix is not applied. Found by a long fuzz
/// run (seed 24).
#[test]
fn a_statement_indented_with_tabs_and_spaces_gets_no_multiline_fix() {
    let text = "import asyncio\n\n\nasync def read(reader):\n    try:\n  \t      \
                data = await asyncio.wait_for(reader.read(100), 5)\n    except asyncio.TimeoutError:\n        \
                data = b\"\"\n    return data\n";
    assert!(python_compiles(text));
    let settings = Settings {
        target: "py313".parse().unwrap(),
        ..Settings::default()
    };
    let outcome = fix(text, &settings);
    compiles_if_fixed_and_still_reported(&outcome);
}

/// A worker method that makes its request inside a lambda (`resp = lambda: requests.get(...)`):
/// its twin awaited the call inside the lambda, which does not compile. A requests call in a
/// lambda or nested function keeps the worker in a thread. Found by a long fuzz run (seed 25).
#[test]
fn a_request_inside_a_lambda_of_a_worker_is_not_awaited() {
    let text = "from concurrent.futures import ThreadPoolExecutor\n\nimport requests\n\n\n\
                class Crawler:\n    def page_url(self, n):\n        return f\"https://example.com/{n}\"\n\n    \
                def fetch(self, n):\n        get = lambda: requests.get(self.page_url(n), timeout=5)\n        \
                return get().text\n\n    def crawl(self, pages):\n        with ThreadPoolExecutor(max_workers=4) as pool:\n            \
                return list(pool.map(self.fetch, pages))\n\n\n\
                if __name__ == \"__main__\":\n    print(Crawler().crawl([]))\n";
    assert!(python_compiles(text));
    let outcome = fix(text, &Settings::default());
    let fixed = outcome.fixed.expect("rewritten");
    assert!(python_compiles(&fixed), "{fixed}");
    assert!(!fixed.contains("lambda: await"), "{fixed}");
}

/// A map over an iterable that assigns with `:=`: moved into a comprehension's iterable, where
/// Python forbids an assignment expression even in parentheses, the rewrite did not compile.
/// Such a pool is reported, not moved. Found by a long fuzz run (seed 26).
#[test]
fn a_map_iterable_assigning_with_walrus_is_reported_not_moved() {
    let text = "from concurrent.futures import ThreadPoolExecutor\n\nimport requests\n\n\n\
                def fetch_json(url):\n    return requests.get(url, timeout=10).json()\n\n\n\
                def fetch_all(urls):\n    with ThreadPoolExecutor(max_workers=8) as pool:\n        \
                return list(pool.map(fetch_json, (seen := urls)))\n\n\n\
                if __name__ == \"__main__\":\n    fetch_all([])\n";
    assert!(python_compiles(text));
    let outcome = fix(text, &Settings::default());
    reported_not_fixed(&outcome, ":=");
}
