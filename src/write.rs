//! Writing a rewritten file: atomically, in the same directory, keeping its permissions, and only
//! if nobody changed it since it was read.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Replaces `path` with `bytes`, provided its content is still `expected`.
pub fn replace_if_unchanged(path: &Path, expected: &[u8], bytes: &[u8]) -> Result<()> {
    let current = std::fs::read(path).context("cannot read it again before writing")?;
    if current != expected {
        bail!("it changed on disk since corral read it");
    }
    let permissions = std::fs::metadata(path)
        .context("cannot read its permissions")?
        .permissions();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".corral-")
        .tempfile_in(dir)
        .context("cannot create a temporary file beside it")?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .context("cannot write the temporary file")?;
    std::fs::set_permissions(temp.path(), permissions).context("cannot copy its permissions")?;
    temp.persist(path)
        .map_err(|e| e.error)
        .context("cannot move the rewritten file into place")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_when_the_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "x = 2\n").unwrap();
        let err = replace_if_unchanged(&path, b"x = 1\n", b"y = 1\n").unwrap_err();
        assert!(err.to_string().contains("changed on disk"));
        assert_eq!(std::fs::read(&path).unwrap(), b"x = 2\n");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions_and_leaves_no_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tool.py");
        std::fs::write(&path, "x = 1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o751)).unwrap();
        replace_if_unchanged(&path, b"x = 1\n", b"x = 2\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x = 2\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o751);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
