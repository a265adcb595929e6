//! The transforms corral knows. Adding one is its folder under `transforms/` plus one line here.

use crate::rule::Rule;

#[path = "../transforms/await-without-deadline/rule.rs"]
mod await_without_deadline;
#[path = "../transforms/blocking-wait-without-timeout/rule.rs"]
mod blocking_wait_without_timeout;
#[path = "../transforms/executor-wrapped-http/rule.rs"]
mod executor_wrapped_http;
#[path = "../transforms/legacy-wait-for/rule.rs"]
mod legacy_wait_for;
#[path = "../transforms/missing-timeout/rule.rs"]
mod missing_timeout;
#[path = "../transforms/threadpool-network-io/rule.rs"]
mod threadpool_network_io;
#[path = "../transforms/threadpool-submit-network-io/rule.rs"]
mod threadpool_submit_network_io;
#[path = "../transforms/unbounded-gather/rule.rs"]
mod unbounded_gather;

/// Every transform, in the order `corral rules` lists them.
pub static RULES: &[&Rule] = &[
    &unbounded_gather::RULE,
    &threadpool_network_io::RULE,
    &threadpool_submit_network_io::RULE,
    &executor_wrapped_http::RULE,
    &missing_timeout::RULE,
    &await_without_deadline::RULE,
    &blocking_wait_without_timeout::RULE,
    &legacy_wait_for::RULE,
];

/// A transform by its name (`unbounded-gather`) or catalog code (`CONC101`), case-insensitively.
pub fn find(name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(name) || r.code.eq_ignore_ascii_case(name))
}
