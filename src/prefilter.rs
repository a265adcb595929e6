//! The trigger-word prefilter: one Aho-Corasick pass over a text decides which transforms can
//! find anything in it, so that most files are never parsed.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::registry::RULES;
use crate::rule::Rule;

/// Words a file must contain for a transform to have anything to find in it: one automaton over
/// every transform's trigger words, so most files are never parsed.
static TRIGGERS: LazyLock<(AhoCorasick, Vec<usize>)> = LazyLock::new(|| {
    let mut words = Vec::new();
    let mut owner = Vec::new();
    for (index, rule) in RULES.iter().enumerate() {
        for word in rule.triggers {
            words.push(*word);
            owner.push(index);
        }
    }
    let automaton = AhoCorasick::new(&words).expect("trigger words build an automaton");
    (automaton, owner)
});

/// The transforms among `rules` whose trigger words occur in `bytes`.
pub fn candidates(bytes: &[u8], rules: &[&'static Rule]) -> Vec<&'static Rule> {
    let (automaton, owner) = &*TRIGGERS;
    let mut present = vec![false; RULES.len()];
    let mut remaining = rules.len();
    for m in automaton.find_overlapping_iter(bytes) {
        let index = owner[m.pattern().as_usize()];
        if !present[index] {
            present[index] = true;
            if rules.iter().any(|r| std::ptr::eq(*r, RULES[index])) {
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
    }
    rules
        .iter()
        .copied()
        .filter(|r| {
            RULES
                .iter()
                .position(|x| std::ptr::eq(*x, *r))
                .is_some_and(|i| present[i])
        })
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
}
