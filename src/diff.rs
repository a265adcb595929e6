//! Unified diffs that `git apply` accepts.
//!
//! The lines are compared with `similar`'s Myers diff, whose cost grows with the number of lines
//! times the number of changed ones: quadratic for a large file with a rewrite every few lines.
//! So the texts are first cut where they plainly agree, at lines that occur once in each (as
//! patience diff does), and each stretch between two cuts is diffed on its own. When
//! that shows the whole diff to be cheap, the whole texts are diffed at once instead: where a
//! change could be shown in more than one way (a deleted block between two alike), that keeps
//! the choice a whole diff makes.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use similar::{Algorithm, ChangeTag, DiffOp, DiffableStr};

use crate::source::SourceText;

/// Lines of context around each change, as `diff -u` shows.
const CONTEXT: usize = 3;

/// Up to how many lines times changed lines the whole texts are diffed at once (a few
/// milliseconds of Myers' diff).
const WHOLE_DIFF_BUDGET: usize = 4_000_000;

/// The diff from `source` to `fixed`, with `a/<path>` and `b/<path>` headers. The text is shown
/// with its byte-order mark, if any, so that the patch applies to the bytes on disk.
pub fn unified_diff(path: &Path, source: &SourceText, fixed: &str) -> String {
    let name = path.display().to_string().replace('\\', "/");
    let old = source.display(&source.text);
    let new = source.display(fixed);
    let old_lines = old.tokenize_lines();
    let new_lines = new.tokenize_lines();
    let ops = line_ops(&old_lines, &new_lines);
    let mut out = String::new();
    for (k, hunk) in similar::group_diff_ops(ops, CONTEXT)
        .into_iter()
        .filter(|hunk| !hunk.is_empty())
        .enumerate()
    {
        if k == 0 {
            let _ = writeln!(out, "--- a/{name}");
            let _ = writeln!(out, "+++ b/{name}");
        }
        let _ = writeln!(out, "{}", similar::udiff::UnifiedHunkHeader::new(&hunk));
        for op in &hunk {
            for change in op.iter_changes(&old_lines[..], &new_lines[..]) {
                let tag = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                out.push(tag);
                out.push_str(change.value());
                if change.missing_newline() {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// The diff operations from `old` to `new` lines: Myers' diff of the whole when that is cheap,
/// else of each stretch between two cuts.
fn line_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let lines = old.len() + new.len();
    // However much changed, the whole diff of texts this short is cheap.
    if lines.saturating_mul(lines) <= WHOLE_DIFF_BUDGET {
        return similar::capture_diff_slices(Algorithm::Myers, old, new);
    }
    let cut = cut_ops(old, new);
    let changed: usize = cut
        .iter()
        .filter(|op| !matches!(op, DiffOp::Equal { .. }))
        .map(|op| op.old_range().len() + op.new_range().len())
        .sum();
    if changed.saturating_mul(old.len() + new.len()) <= WHOLE_DIFF_BUDGET {
        return similar::capture_diff_slices(Algorithm::Myers, old, new);
    }
    cut
}

/// Myers' diff of each stretch between two cuts.
fn cut_ops(old: &[&str], new: &[&str]) -> Vec<DiffOp> {
    let mut ops: Vec<DiffOp> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let cuts = cuts(old, new);
    for (ci, cj) in cuts.into_iter().chain([(old.len(), new.len())]) {
        for op in similar::capture_diff(Algorithm::Myers, old, i..ci, new, j..cj) {
            push_op(&mut ops, op);
        }
        (i, j) = (ci, cj);
    }
    ops
}

/// Appends `op`, joining it to the last one when both are runs of equal lines, so that the ops
/// are those one diff of the whole texts gives (hunks are grouped by the length of equal runs).
fn push_op(ops: &mut Vec<DiffOp>, op: DiffOp) {
    if let (
        Some(DiffOp::Equal {
            old_index,
            new_index,
            len,
        }),
        DiffOp::Equal {
            len: more,
            old_index: next_old,
            ..
        },
    ) = (ops.last().copied(), op)
    {
        if old_index + len == next_old {
            *ops.last_mut().expect("matched above") = DiffOp::Equal {
                old_index,
                new_index,
                len: len + more,
            };
            return;
        }
    }
    ops.push(op);
}

/// Where the texts can be diffed apart: pairs of a line occurring once in `old` and once in
/// `new`, in the same order in both (the longest such sequence, as patience diff takes it).
fn cuts(old: &[&str], new: &[&str]) -> Vec<(usize, usize)> {
    // For each line text: its count and last index in old, and in new.
    let mut seen: HashMap<&str, (usize, usize, usize, usize)> = HashMap::new();
    for (i, line) in old.iter().enumerate() {
        let entry = seen.entry(*line).or_default();
        entry.0 += 1;
        entry.1 = i;
    }
    for (j, line) in new.iter().enumerate() {
        if let Some(entry) = seen.get_mut(line) {
            entry.2 += 1;
            entry.3 = j;
        }
    }
    let unique: Vec<(usize, usize)> = old
        .iter()
        .filter_map(|line| match seen[*line] {
            (1, i, 1, j) => Some((i, j)),
            _ => None,
        })
        .collect();
    longest_increasing(&unique)
}

/// The longest subsequence of `pairs` (increasing in their first element) whose second elements
/// increase too: patience sorting, n log n.
fn longest_increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // tails[k]: the index in `pairs` of the smallest last element of an increasing run of k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; pairs.len()];
    for (k, &(_, j)) in pairs.iter().enumerate() {
        let at = tails.partition_point(|&t| pairs[t].1 < j);
        previous[k] = at.checked_sub(1).map(|p| tails[p]);
        if at == tails.len() {
            tails.push(k);
        } else {
            tails[at] = k;
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut next = tails.last().copied();
    while let Some(k) = next {
        run.push(pairs[k]);
        next = previous[k];
    }
    run.reverse();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diff `similar` prints when it compares the whole texts at once.
    fn whole(old: &str, new: &str) -> String {
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(CONTEXT)
            .header("a/x.py", "b/x.py")
            .to_string()
    }

    fn cut(old: &str, new: &str) -> String {
        let source = SourceText::decode(old.as_bytes()).unwrap();
        unified_diff(Path::new("x.py"), &source, new)
    }

    /// `old` with `ops` applied gives `new`.
    fn replay(old: &[&str], new: &[&str], ops: &[DiffOp]) -> bool {
        let mut out: Vec<&str> = Vec::new();
        for op in ops {
            for change in op.iter_changes(old, new) {
                if change.tag() != ChangeTag::Delete {
                    out.push(change.value());
                }
            }
        }
        out == new
    }

    /// Many functions, some changed, some with a constant added, some deleted.
    fn edited(count: usize) -> (String, String) {
        let mut old = String::new();
        let mut new = String::new();
        for k in 0..count {
            let block = format!("\n\ndef f{k}(x):\n    y = x + {k}\n    return y\n");
            old.push_str(&block);
            match k % 7 {
                0 => new.push_str(&block.replace("return y", "return await y")),
                3 => new.push_str(&format!("{block}\n\nLIMIT_{k} = 1\n")),
                5 => {}
                _ => new.push_str(&block),
            }
        }
        (old, new)
    }

    #[test]
    fn a_cheap_diff_is_the_diff_of_the_whole_texts() {
        let (old, new) = edited(300);
        assert_eq!(cut(&old, &new), whole(&old, &new));
        // No newline at the end, on either side; and nothing in common.
        assert_eq!(cut("a\nb", "a\nc"), whole("a\nb", "a\nc"));
        assert_eq!(cut("a\n", "b\n"), whole("a\n", "b\n"));
        assert_eq!(cut("same\n", "same\n"), "");
    }

    #[test]
    fn a_large_diff_is_cut_and_still_turns_old_into_new() {
        let (old, new) = edited(3000);
        let (old_lines, new_lines) = (old.tokenize_lines(), new.tokenize_lines());
        assert!(cuts(&old_lines, &new_lines).len() > 500);
        let ops = line_ops(&old_lines, &new_lines);
        assert!(replay(&old_lines, &new_lines, &ops));
        let changed = |ops: &[DiffOp]| -> usize {
            ops.iter()
                .filter(|op| !matches!(op, DiffOp::Equal { .. }))
                .map(|op| op.old_range().len() + op.new_range().len())
                .sum()
        };
        // As small as the whole diff: cutting changes where a change is shown, not its size.
        let whole = similar::capture_diff_slices(Algorithm::Myers, &old_lines, &new_lines);
        assert_eq!(changed(&ops), changed(&whole));
    }

    #[test]
    fn longest_increasing_keeps_order_in_both() {
        assert_eq!(
            longest_increasing(&[(0, 3), (1, 0), (2, 1), (3, 4), (4, 2)]),
            [(1, 0), (2, 1), (4, 2)]
        );
    }
}
