//! The trigger-word prefilter: one Aho-Corasick pass over a text decides which transforms can
//! find anything in it, so that most files are never parsed.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::registry::RULES;
use crate::rule::Rule;

/// Words the transforms declare, in one automaton, with the transforms (indexes into `RULES`)
/// that declared each word.
pub struct RuleWords {
    pub automaton: AhoCorasick,
    pub words: Vec<&'static str>,
    pub owners: Vec<Vec<usize>>,
}

impl RuleWords {
    pub fn build(words_of: impl Fn(&Rule) -> Vec<&'static str>, kind: MatchKind) -> Self {
        let mut words: Vec<&'static str> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in RULES.iter().enumerate() {
            for word in words_of(rule) {
                match words.iter().position(|w| *w == word) {
                    Some(at) => owners[at].push(index),
                    None => {
                        words.push(word);
                        owners.push(vec![index]);
                    }
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(kind)
            .build(&words)
            .expect("transform words build an automaton");
        RuleWords {
            automaton,
            words,
            owners,
        }
    }
}

/// Every transform's trigger words. A leftmost search lets the automaton use its SIMD
/// prefilter. Restarting one byte after each match's start finds every word that occurs, as long
/// as no word of one transform contains a word of another, which
/// `no_trigger_word_hides_another_transforms` checks.
static TRIGGERS: LazyLock<RuleWords> =
    LazyLock::new(|| RuleWords::build(|rule| rule.triggers.to_vec(), MatchKind::LeftmostFirst));

/// The transforms among `rules` whose trigger words occur in `bytes`.
pub fn candidates(bytes: &[u8], rules: &[&'static Rule]) -> Vec<&'static Rule> {
    candidates_with(bytes, rules, &[])
}

/// As `candidates`, where each of `also_required` also meets a transform's `requires`: the
/// modules of the project's own network functions (`network-calls`).
pub fn candidates_with(
    bytes: &[u8],
    rules: &[&'static Rule],
    also_required: &[String],
) -> Vec<&'static Rule> {
    let triggers = &*TRIGGERS;
    let wanted: Vec<bool> = RULES
        .iter()
        .map(|r| rules.iter().any(|x| std::ptr::eq(*x, *r)))
        .collect();
    let mut present = vec![false; RULES.len()];
    let mut remaining = wanted.iter().filter(|w| **w).count();
    if remaining > 0 {
        let mut at = 0;
        while let Some(m) = triggers
            .automaton
            .find(aho_corasick::Input::new(bytes).range(at..))
        {
            at = m.start() + 1;
            for &index in &triggers.owners[m.pattern().as_usize()] {
                if wanted[index] && !present[index] {
                    present[index] = true;
                    remaining -= 1;
                }
            }
            if remaining == 0 {
                break;
            }
        }
    }
    RULES
        .iter()
        .zip(present)
        .filter(|(rule, p)| {
            *p && (rule.requires.is_empty()
                || rule
                    .requires
                    .iter()
                    .copied()
                    .chain(also_required.iter().map(String::as_str))
                    .any(|w| memchr::memmem::find(bytes, w.as_bytes()).is_some()))
        })
        .map(|(r, _)| *r)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefilter_keeps_only_transforms_whose_words_occur() {
        let all: Vec<&'static Rule> = RULES.to_vec();
        let none = candidates(b"def f():\n    return 1\n", &all);
        assert!(none.is_empty());
        let some = candidates(b"import asyncio\nawait asyncio.gather(*xs)\n", &all);
        assert_eq!(
            some.iter().map(|r| r.id).collect::<Vec<_>>(),
            ["unbounded-gather"]
        );
    }

    #[test]
    fn a_transform_that_requires_a_word_needs_it_besides_a_trigger() {
        let all: Vec<&'static Rule> = RULES.to_vec();
        let ids =
            |text: &[u8]| -> Vec<&str> { candidates(text, &all).iter().map(|r| r.id).collect() };
        let cpu = b"from concurrent.futures import ThreadPoolExecutor\nwith ThreadPoolExecutor() as ex:\n    list(ex.map(f, xs))\n";
        assert!(!ids(cpu).contains(&"threadpool-network-io"));
        let net = [&b"import requests\n"[..], cpu].concat();
        assert!(ids(&net).contains(&"threadpool-network-io"));
    }

    #[test]
    fn every_transform_sharing_a_word_is_found() {
        let all: Vec<&'static Rule> = RULES.to_vec();
        let found = candidates(
            b"import requests\nfrom multiprocessing.pool import ThreadPool\n",
            &all,
        );
        let ids: Vec<&str> = found.iter().map(|r| r.id).collect();
        assert!(ids.contains(&"threadpool-submit-network-io"), "{ids:?}");
        assert!(ids.contains(&"blocking-wait-without-timeout"), "{ids:?}");
    }

    /// Two words can only hide each other when they start at one offset, which means one
    /// contains the other; within one transform that is harmless.
    #[test]
    fn no_trigger_word_hides_another_transforms() {
        for a in RULES {
            for b in RULES.iter().filter(|b| b.id != a.id) {
                for wa in a.triggers {
                    for wb in b.triggers.iter().filter(|wb| wb != &wa) {
                        assert!(
                            !wa.contains(wb),
                            "{wa:?} ({}) hides {wb:?} ({})",
                            a.id,
                            b.id
                        );
                    }
                }
            }
        }
    }
}
