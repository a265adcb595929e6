//! `threadpool-submit-network-io` (CONC202): a thread pool whose `submit` (`apply_async` of
//! `multiprocessing.pool.ThreadPool`) runs network I/O becomes one bounded asyncio task per call,
//! over one `httpx.AsyncClient` or `asyncio.to_thread`. Tasks hold their exception until read, as
//! futures do: `result()` inside the pool's block becomes `await`, `as_completed` a loop over
//! `asyncio.wait`, and the block ends by waiting for every task (catalog shape T2). Where pools
//! stand and how their futures are read is `pool.rs`'s; what a worker does is `worker.rs`'s.

use crate::pool::{judge_pools, Family};
use crate::rule::{Context, Finding, Reads, Rule};

pub static RULE: Rule = Rule {
    id: "threadpool-submit-network-io",
    code: "CONC202",
    summary: "thread pool submitting network I/O: move it to bounded asyncio tasks",
    opt_in: None,
    doc: include_str!("doc.md"),
    triggers: &["ThreadPool", "ProcessPoolExecutor", "multiprocessing"],
    // Every finding is about a worker that does network I/O, which needs one of these.
    requires: crate::pool::NETWORK_WORDS,
    reads: Reads::Everything,
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    judge_pools(ctx)
        .into_iter()
        .filter(|j| j.family == Family::Submit)
        .map(|j| Finding {
            rule: &RULE,
            range: j.range,
            message: j.message,
            fix: j.fix,
        })
        .collect()
}
