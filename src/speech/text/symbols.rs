//! Symbol dictionaries (`voices/symbols/LANG.toml`): what each voice says for
//! a punctuation mark or symbol, and the words spelling needs ("capital",
//! "space"), in its own language. eSpeak NG's kk voice says these in
//! English, so oqu writes them into the text.
//!
//! The shipped files are also compiled in, so oqud speaks properly with no
//! data directory; a station may replace any of them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::config::files::{self, FileError};
use crate::i18n::{Lang, Msg};
use crate::requests::PunctuationLevel;

/// The lowest punctuation level at which a symbol's name is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolLevel {
    /// Always, even with punctuation "none": the voice would say the symbol
    /// anyway (the kk voice in English), or it is content ("₸", "%").
    None,
    Some,
    Most,
    All,
}

impl SymbolLevel {
    /// Whether a symbol of this level is named when the reader asked for `punctuation`.
    pub fn is_named_at(self, punctuation: PunctuationLevel) -> bool {
        let asked = match punctuation {
            PunctuationLevel::None => SymbolLevel::None,
            PunctuationLevel::Some => SymbolLevel::Some,
            PunctuationLevel::Most => SymbolLevel::Most,
            PunctuationLevel::All => SymbolLevel::All,
        };
        self <= asked
    }
}

/// A symbol's spoken name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolName {
    pub name: String,
    pub level: SymbolLevel,
}

/// Words said while spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpellingWords {
    /// Said before a capital letter.
    pub capital: String,
    pub space: String,
    pub new_line: String,
    pub tab: String,
}

/// One language's symbol dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolTable {
    pub lang: Lang,
    symbols: HashMap<char, SymbolName>,
    /// Letter (lower case) → what to say when spelling it, for letters the
    /// voice reads as a word on their own (Russian "в" is a preposition).
    letters: HashMap<char, String>,
    pub words: SpellingWords,
}

impl SymbolTable {
    pub fn symbol(&self, c: char) -> Option<&SymbolName> {
        self.symbols.get(&c)
    }

    /// The spelling name of a letter, if it needs one.
    pub fn letter(&self, c: char) -> Option<&str> {
        let lower = c.to_lowercase().next().unwrap_or(c);
        self.letters.get(&lower).map(String::as_str)
    }

    /// A table that names nothing, for when even the compiled-in file fails.
    fn empty(lang: Lang) -> SymbolTable {
        SymbolTable {
            lang,
            symbols: HashMap::new(),
            letters: HashMap::new(),
            words: SpellingWords {
                capital: String::new(),
                space: " ".into(),
                new_line: " ".into(),
                tab: " ".into(),
            },
        }
    }
}

/// The dictionaries of all three languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolTables {
    kk: SymbolTable,
    ru: SymbolTable,
    en: SymbolTable,
}

/// The shipped files, compiled in: (language, path shown in errors, text).
const EMBEDDED: [(Lang, &str, &str); 3] = [
    (
        Lang::Kk,
        "voices/symbols/kk.toml",
        include_str!("../../../voices/symbols/kk.toml"),
    ),
    (
        Lang::Ru,
        "voices/symbols/ru.toml",
        include_str!("../../../voices/symbols/ru.toml"),
    ),
    (
        Lang::En,
        "voices/symbols/en.toml",
        include_str!("../../../voices/symbols/en.toml"),
    ),
];

impl SymbolTables {
    /// The dictionaries compiled into oqud.
    pub fn embedded() -> SymbolTables {
        let mut tables = SymbolTables {
            kk: SymbolTable::empty(Lang::Kk),
            ru: SymbolTable::empty(Lang::Ru),
            en: SymbolTable::empty(Lang::En),
        };
        for (lang, path, text) in EMBEDDED {
            // A unit test parses every embedded file, so this fails only in a broken build.
            match parse_symbols(lang, Path::new(path), text) {
                Ok(table) => *tables.slot(lang) = table,
                Err(error) => tracing::error!("compiled-in symbol file refused: {error}"),
            }
        }
        tables
    }

    pub fn get(&self, lang: Lang) -> &SymbolTable {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }

    fn slot(&mut self, lang: Lang) -> &mut SymbolTable {
        match lang {
            Lang::Kk => &mut self.kk,
            Lang::Ru => &mut self.ru,
            Lang::En => &mut self.en,
        }
    }
}

impl Default for SymbolTables {
    fn default() -> SymbolTables {
        SymbolTables::embedded()
    }
}

/// Loads `kk.toml`, `ru.toml` and `en.toml` from `dir` (such as
/// `voices/symbols`). A file that is absent keeps the compiled-in table for
/// its language, so a station can replace one language only; a file that is
/// present but wrong is refused with its path, line and column.
pub fn load_symbols(dir: &Path) -> Result<SymbolTables, FileError> {
    let mut tables = SymbolTables::embedded();
    for lang in Lang::ALL {
        let path = dir.join(format!("{}.toml", lang.code()));
        let text = match files::read_capped(&path) {
            Ok(text) => text,
            Err(FileError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                continue
            }
            Err(error) => return Err(error),
        };
        *tables.slot(lang) = parse_symbols(lang, &path, &text)?;
    }
    Ok(tables)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum SymbolsKindTag {
    Symbols,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSymbolFile {
    version: Spanned<u32>,
    #[allow(dead_code)] // checked by serde: the file says what it is
    kind: SymbolsKindTag,
    language: Spanned<String>,
    words: RawWords,
    #[serde(default)]
    letters: BTreeMap<Spanned<String>, Spanned<String>>,
    symbols: BTreeMap<Spanned<String>, RawSymbol>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawWords {
    capital: Spanned<String>,
    space: Spanned<String>,
    new_line: Spanned<String>,
    tab: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSymbol {
    name: Spanned<String>,
    level: SymbolLevel,
}

/// Parses one symbol file for `lang`; `path` is for error messages.
pub fn parse_symbols(lang: Lang, path: &Path, text: &str) -> Result<SymbolTable, FileError> {
    let raw: RawSymbolFile = files::parse_toml(path, text)?;
    let shown = path.display().to_string();
    let src = files::Source { path: &shown, text };
    if *raw.version.get_ref() != 1 {
        return Err(FileError::Invalid(Msg::OptionValue {
            key: format!("version ({})", src.at(&raw.version.span())),
            got: raw.version.get_ref().to_string(),
            allowed: "1".into(),
        }));
    }
    let language = raw.language.get_ref();
    match language.parse::<Lang>() {
        Ok(stated) if stated == lang => {}
        Ok(_) => {
            return Err(FileError::Invalid(Msg::SymbolFileLanguage {
                location: src.at(&raw.language.span()),
                expected: lang,
                got: language.clone(),
            }))
        }
        Err(()) => {
            return Err(FileError::Invalid(Msg::UnknownLanguage {
                location: src.at(&raw.language.span()),
                got: language.clone(),
            }))
        }
    }
    let words = SpellingWords {
        capital: spoken("capital", raw.words.capital, &src)?,
        space: spoken("space", raw.words.space, &src)?,
        new_line: spoken("new-line", raw.words.new_line, &src)?,
        tab: spoken("tab", raw.words.tab, &src)?,
    };
    let mut letters = HashMap::new();
    for (letter, name) in raw.letters {
        let c = one_char(&letter, &src)?;
        let name = spoken(letter.get_ref(), name, &src)?;
        letters.insert(c.to_lowercase().next().unwrap_or(c), name);
    }
    let mut symbols = HashMap::new();
    for (symbol, entry) in raw.symbols {
        let c = one_char(&symbol, &src)?;
        let name = spoken(symbol.get_ref(), entry.name, &src)?;
        symbols.insert(
            c,
            SymbolName {
                name,
                level: entry.level,
            },
        );
    }
    Ok(SymbolTable {
        lang,
        symbols,
        letters,
        words,
    })
}

fn one_char(key: &Spanned<String>, src: &files::Source<'_>) -> Result<char, FileError> {
    let mut chars = key.get_ref().chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(FileError::Invalid(Msg::SymbolInvalid {
            location: src.at(&key.span()),
            got: key.get_ref().clone(),
        })),
    }
}

/// A name to be said: it must have words in it.
fn spoken(what: &str, name: Spanned<String>, src: &files::Source<'_>) -> Result<String, FileError> {
    if name.get_ref().trim().is_empty() {
        return Err(FileError::Invalid(Msg::SymbolNameEmpty {
            location: src.at(&name.span()),
            symbol: what.to_owned(),
        }));
    }
    Ok(name.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The symbols every table must name (the brief's list).
    const REQUIRED: &str = ".,;:!?-–—()[]{}«»\"'/\\@#$%&*+=<>_~^|№§°…₸€";

    const HEADER: &str = "version = 1\nkind = \"symbols\"\nlanguage = \"kk\"\n\
        [words]\ncapital = \"бас әріп\"\nspace = \"бос орын\"\nnew-line = \"жаңа жол\"\ntab = \"табуляция\"\n";

    fn parse(text: &str) -> Result<SymbolTable, FileError> {
        parse_symbols(Lang::Kk, Path::new("kk.toml"), text)
    }

    #[test]
    fn every_shipped_table_loads_and_names_the_required_symbols() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("voices/symbols");
        let loaded = load_symbols(&dir).unwrap();
        assert_eq!(loaded, SymbolTables::embedded());
        for lang in Lang::ALL {
            let table = loaded.get(lang);
            assert_eq!(table.lang, lang);
            for c in REQUIRED.chars() {
                let entry = table
                    .symbol(c)
                    .unwrap_or_else(|| panic!("{lang}: {c} has no name"));
                assert!(!entry.name.trim().is_empty());
            }
        }
    }

    #[test]
    fn kazakh_and_russian_names_are_their_own_words() {
        let tables = SymbolTables::embedded();
        let kk = tables.get(Lang::Kk);
        assert_eq!(kk.symbol('?').unwrap().name, "сұрақ белгісі");
        assert_eq!(kk.symbol('₸').unwrap().name, "теңге");
        assert_eq!(kk.words.capital, "бас әріп");
        let ru = tables.get(Lang::Ru);
        assert_eq!(ru.symbol('.').unwrap().name, "точка");
        assert_eq!(ru.letter('В'), Some("вэ"));
        for c in REQUIRED.chars() {
            let name = &kk.symbol(c).unwrap().name;
            assert!(
                !name.chars().any(|l| l.is_ascii_alphabetic()),
                "kk name of {c} is not Kazakh: {name}"
            );
        }
    }

    #[test]
    fn refusals_are_said_in_every_language_with_their_location() {
        let refusals = [
            Msg::SymbolInvalid {
                location: "kk.toml:3:1".into(),
                got: "ab".into(),
            },
            Msg::SymbolNameEmpty {
                location: "kk.toml:3:1".into(),
                symbol: "%".into(),
            },
            Msg::SymbolFileLanguage {
                location: "kk.toml:3:1".into(),
                expected: Lang::Kk,
                got: "ru".into(),
            },
        ];
        for msg in &refusals {
            let texts: Vec<String> = Lang::ALL.iter().map(|l| msg.render(*l)).collect();
            for text in &texts {
                assert!(text.contains("kk.toml:3:1"), "{text}");
            }
            assert_ne!(texts[0], texts[1]);
            assert_ne!(texts[1], texts[2]);
        }
    }

    #[test]
    fn levels_order_as_punctuation_does() {
        assert!(SymbolLevel::None.is_named_at(PunctuationLevel::None));
        assert!(!SymbolLevel::Some.is_named_at(PunctuationLevel::None));
        assert!(SymbolLevel::Some.is_named_at(PunctuationLevel::Most));
        assert!(!SymbolLevel::All.is_named_at(PunctuationLevel::Most));
        assert!(SymbolLevel::All.is_named_at(PunctuationLevel::All));
    }

    #[test]
    fn a_symbol_of_two_characters_is_refused_where_it_stands() {
        let text = format!("{HEADER}[symbols]\n\"ab\" = {{ name = \"x\", level = \"all\" }}\n");
        match parse(&text) {
            Err(FileError::Invalid(Msg::SymbolInvalid { location, got })) => {
                assert_eq!(location, "kk.toml:10:1");
                assert_eq!(got, "ab");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_empty_name_is_refused_where_it_stands() {
        let text = format!("{HEADER}[symbols]\n\"%\" = {{ name = \" \", level = \"all\" }}\n");
        match parse(&text) {
            Err(FileError::Invalid(Msg::SymbolNameEmpty { location, symbol })) => {
                assert_eq!(location, "kk.toml:10:16");
                assert_eq!(symbol, "%");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bad_level_is_a_parse_error_with_line_and_column() {
        let text = format!("{HEADER}[symbols]\n\"%\" = {{ name = \"пайыз\", level = \"loud\" }}\n");
        match parse(&text) {
            Err(FileError::Parse { line, column, .. }) => assert_eq!((line, column), (10, 33)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_for_another_language_is_refused() {
        let text = HEADER.replace("language = \"kk\"", "language = \"ru\"") + "[symbols]\n";
        match parse(&text) {
            Err(FileError::Invalid(Msg::SymbolFileLanguage {
                location,
                expected,
                got,
            })) => {
                assert_eq!(location, "kk.toml:3:12");
                assert_eq!(expected, Lang::Kk);
                assert_eq!(got, "ru");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_wrong_version_is_refused() {
        let text = HEADER.replace("version = 1", "version = 2") + "[symbols]\n";
        assert!(matches!(
            parse(&text),
            Err(FileError::Invalid(Msg::OptionValue { .. }))
        ));
    }

    #[test]
    fn an_absent_file_keeps_the_compiled_in_table_and_a_present_one_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            format!("{HEADER}[symbols]\n\"%\" = {{ name = \"процент\", level = \"some\" }}\n");
        std::fs::write(dir.path().join("kk.toml"), text).unwrap();
        let tables = load_symbols(dir.path()).unwrap();
        assert_eq!(tables.get(Lang::Kk).symbol('%').unwrap().name, "процент");
        assert!(tables.get(Lang::Kk).symbol('.').is_none());
        assert_eq!(tables.get(Lang::Ru), SymbolTables::embedded().get(Lang::Ru));
    }

    #[test]
    fn an_unreadable_file_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ru.toml"), b"version = \xff\n").unwrap();
        let error = load_symbols(dir.path()).unwrap_err();
        assert_eq!(error.path(), Some(dir.path().join("ru.toml").as_path()));
    }
}
