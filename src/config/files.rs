//! Reading station and data files: size caps, TOML parsing and the
//! path:line:column that every refusal carries.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::i18n::{location, Lang, Msg};

/// Station and data files are small; anything larger is a mistake (or an
/// attack) and is refused before it is read into memory.
pub const MAX_FILE_BYTES: u64 = 512 * 1024;

/// Why a configuration or data file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: larger than {max} bytes", path.display())]
    TooLarge { path: PathBuf, max: u64 },
    /// The file is not valid UTF-8 TOML, or does not match the schema.
    #[error("{}:{line}:{column}: {detail}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        detail: String,
    },
    /// Parsed, but a value is not acceptable; the message carries the location.
    #[error("{}", .0.render(Lang::En))]
    Invalid(Msg),
}

impl FileError {
    /// The localisable sentence for this refusal.
    pub fn msg(&self) -> Msg {
        match self {
            FileError::Io { path, source } => Msg::FileRefused {
                location: path.display().to_string(),
                detail: source.to_string(),
            },
            FileError::TooLarge { path, max } => Msg::FileTooLarge {
                path: path.display().to_string(),
                max: *max,
            },
            FileError::Parse {
                path,
                line,
                column,
                detail,
            } => Msg::FileRefused {
                location: location(&path.display().to_string(), *line, *column),
                detail: detail.clone(),
            },
            FileError::Invalid(msg) => msg.clone(),
        }
    }

    /// Where in which file, for Status and logs.
    pub fn path(&self) -> Option<&Path> {
        match self {
            FileError::Io { path, .. }
            | FileError::TooLarge { path, .. }
            | FileError::Parse { path, .. } => Some(path),
            FileError::Invalid(_) => None,
        }
    }
}

/// Reads a whole text file, refusing files over `MAX_FILE_BYTES`.
pub fn read_capped(path: &Path) -> Result<String, FileError> {
    let io_err = |source| FileError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut bytes = Vec::new();
    // Read one byte past the cap so an oversized file is noticed without reading it all.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            path: path.to_owned(),
            max: MAX_FILE_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column_of_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
        FileError::Parse {
            path: path.to_owned(),
            line,
            column,
            detail: "not UTF-8 text".into(),
        }
    })
}

/// Parses TOML text into `T`, turning the parser's byte span into a line and column.
pub fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, FileError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        FileError::Parse {
            path: path.to_owned(),
            line,
            column,
            detail: e.message().trim_end().to_owned(),
        }
    })
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn line_column_of_bytes(bytes: &[u8], offset: usize) -> (usize, usize) {
    let text = String::from_utf8_lossy(&bytes[..offset.min(bytes.len())]);
    line_column(&text, text.len())
}

/// A text's source, for turning spans of values into "path:line:column".
pub struct Source<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    pub fn at(&self, span: &Range<usize>) -> String {
        let (line, column) = line_column(self.text, span.start);
        location(self.path, line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nимя = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        let offset = text.find('=').unwrap();
        assert_eq!(line_column(text, offset), (1, 3));
        let second = text.rfind('=').unwrap();
        assert_eq!(line_column(text, second), (2, 5));
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: i64,
        }
        let err = parse_toml::<T>(Path::new("x.toml"), "\n\na = = 1\n").unwrap_err();
        match err {
            FileError::Parse { line, column, .. } => assert_eq!((line, column), (3, 5)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_file_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, vec![b'#'; MAX_FILE_BYTES as usize + 10]).unwrap();
        assert!(matches!(
            read_capped(&path),
            Err(FileError::TooLarge { .. })
        ));
    }

    #[test]
    fn non_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp1251.toml");
        std::fs::write(&path, b"a = 1\nb = \"\xe0\xe1\"\n").unwrap();
        match read_capped(&path) {
            Err(FileError::Parse { line, column, .. }) => assert_eq!((line, column), (2, 6)),
            other => panic!("{other:?}"),
        }
    }
}
