//! `threadpool-network-io` (CONC201): a thread pool whose `map` (`imap`, `imap_unordered`,
//! `starmap` of `multiprocessing.pool.ThreadPool`) runs network I/O becomes a bounded
//! `asyncio.TaskGroup` over one `httpx.AsyncClient`, or over `asyncio.to_thread` when moving the
//! worker to httpx is unsafe (catalog shape T1 and the synchronous-caller policy T5). Where pools
//! stand and how their results are consumed is `pool.rs`'s; what a worker does is `worker.rs`'s.

use crate::pool::{judge_pools, Family};
use crate::rule::{Context, Finding, Reads, Rule};

pub static RULE: Rule = Rule {
    id: "threadpool-network-io",
    code: "CONC201",
    summary: "thread pool mapping network I/O: move it to a bounded asyncio.TaskGroup",
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
        .filter(|j| j.family == Family::Map)
        .map(|j| Finding {
            rule: &RULE,
            range: j.range,
            message: j.message,
            fix: j.fix,
        })
        .collect()
}
