//! Unified diffs that `git apply` accepts.

use std::path::Path;

use crate::source::SourceText;

/// The diff from `source` to `fixed`, with `a/<path>` and `b/<path>` headers. The text is shown
/// with its byte-order mark, if any, so that the patch applies to the bytes on disk.
pub fn unified_diff(path: &Path, source: &SourceText, fixed: &str) -> String {
    let name = path.display().to_string().replace('\\', "/");
    let old = source.display(&source.text);
    let new = source.display(fixed);
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
