//! The transforms corral knows. Adding one is its folder under `transforms/` plus one line here.

use crate::rule::Rule;

/// Declares each transform's module from its folder and lists it in `RULES`, in order.
macro_rules! transforms {
    ($($module:ident => $path:literal,)*) => {
        $(
            #[path = $path]
            mod $module;
        )*

        /// Every transform, in the order `corral rules` lists them.
        pub static RULES: &[&Rule] = &[$(&$module::RULE),*];
    };
}

transforms! {
    unbounded_gather => "../transforms/unbounded-gather/rule.rs",
    threadpool_network_io => "../transforms/threadpool-network-io/rule.rs",
    threadpool_submit_network_io => "../transforms/threadpool-submit-network-io/rule.rs",
    executor_wrapped_http => "../transforms/executor-wrapped-http/rule.rs",
    missing_timeout => "../transforms/missing-timeout/rule.rs",
    await_without_deadline => "../transforms/await-without-deadline/rule.rs",
    blocking_wait_without_timeout => "../transforms/blocking-wait-without-timeout/rule.rs",
    legacy_wait_for => "../transforms/legacy-wait-for/rule.rs",
}

/// A transform by its name (`unbounded-gather`) or catalog code (`CONC101`), case-insensitively.
pub fn find(name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(name) || r.code.eq_ignore_ascii_case(name))
}
