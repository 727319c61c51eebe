//! Text preparation for speech: a caller's text becomes runs, each spoken by
//! one eSpeak NG voice, with every char of a run's text mapped back to the
//! caller's text (offsets in chars, as API.md counts them).
//!
//! - Language runs (`language = auto`): the rule is in `text/language.rs`.
//! - Kazakh in Latin letters is written in Cyrillic for the kk voice, which
//!   would read it as English (`text/latin.rs`).
//! - Symbols are named in the run's language from the symbol dictionaries
//!   (`text/symbols.rs`): the kk voice would name them in English.
//! - Spelling says each character, with the word for "capital" if asked.
//!
//! Pure functions: no audio, no engine. A run's text is plain text for eSpeak
//! with its own punctuation setting at none (oqu names symbols itself) and
//! without the SSML flag.

mod language;
mod latin;
mod script;
mod symbols;

pub use symbols::{
    load_symbols, parse_symbols, SpellingWords, SymbolLevel, SymbolName, SymbolTable, SymbolTables,
};

use std::ops::Range;

use crate::i18n::Lang;
use crate::requests::PunctuationLevel;
use script::{is_combining, is_latin_letter, is_opener, is_sentence_mark, Script, Word};

/// How the language of the text is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanguageMode {
    /// Each run in the language its letters and context show.
    Auto,
    /// All of it in one language, unsplit (a `language` option or a chosen voice).
    Fixed(Lang),
}

/// What is said about capital letters. Outside spelling the engine's pitch
/// rise is enough, so only spelling says anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CapitalMode {
    #[default]
    None,
    /// When spelling, say the language's word for "capital" before each capital letter.
    Word,
}

/// How one text is to be prepared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrepareOptions<'a> {
    pub language: LanguageMode,
    /// The station's languages: with `LanguageMode::Auto` a run is only ever
    /// in one of these, provided `default` is one of them (any, if empty).
    pub allowed: &'a [Lang],
    /// The language when a run's own is not allowed, and of text with no words.
    pub default: Lang,
    pub punctuation: PunctuationLevel,
    /// Say each character rather than words.
    pub spell: bool,
    pub capitals: CapitalMode,
}

/// The caller's chars [start, end) that one char of a run's text stands for.
/// An inserted word (a symbol's name) stands for the symbol; a transliterated
/// letter for the Latin letters it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSpan {
    pub start: usize,
    pub end: usize,
}

impl SourceSpan {
    fn of(chars: Range<usize>) -> SourceSpan {
        SourceSpan {
            start: chars.start,
            end: chars.end,
        }
    }
}

/// Text for one voice, and where each of its chars came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub lang: Lang,
    /// What eSpeak is given.
    pub text: String,
    /// The caller's chars this run covers; runs of one text tile it in order.
    pub source: Range<usize>,
    /// One per char of `text`.
    spans: Vec<SourceSpan>,
}

/// eSpeak NG reports a word's `text_position` counting chars from 1; run
/// text indices count from 0.
pub fn prepared_index_from_espeak(text_position: i32) -> usize {
    usize::try_from(text_position.saturating_sub(1)).unwrap_or(0)
}

impl Run {
    /// For each char of `text`, the caller's chars it stands for.
    pub fn spans(&self) -> &[SourceSpan] {
        &self.spans
    }

    /// The caller's char offset of the run text's char at `prepared_char_index`
    /// (the end of the run for an index past its text).
    pub fn source_offset(&self, prepared_char_index: usize) -> usize {
        self.spans
            .get(prepared_char_index)
            .map_or(self.source.end, |span| span.start)
    }

    /// The caller's [start, end) for a word of the run's text that starts at
    /// char `prepared_start` and is `prepared_len` chars long. A length of 0
    /// (eSpeak reports some words so, such as one before "»") means the word
    /// runs to its last letter; an empty range means there is no word there.
    pub fn word_source_range(&self, prepared_start: usize, prepared_len: usize) -> Range<usize> {
        let Some(first) = self.spans.get(prepared_start) else {
            return self.source.end..self.source.end;
        };
        let len = match prepared_len {
            0 => match self.word_len_at(prepared_start) {
                // eSpeak also reports a word at a trailing space: no word.
                0 => return first.start..first.start,
                len => len,
            },
            len => len,
        };
        let last_index = prepared_start.saturating_add(len - 1);
        let last = self
            .spans
            .get(last_index)
            .or_else(|| self.spans.last())
            .unwrap_or(first);
        first.start..last.end.max(first.start)
    }

    /// [`Run::word_source_range`] for a word event as eSpeak NG reports it
    /// (`text_position` from 1, `length` in chars).
    pub fn espeak_word_source_range(&self, text_position: i32, length: i32) -> Range<usize> {
        let length = usize::try_from(length).unwrap_or(0);
        self.word_source_range(prepared_index_from_espeak(text_position), length)
    }

    /// Part of the run (chars `prepared` of its text), keeping the mapping;
    /// for cutting a long run into pieces for the engine.
    pub fn slice(&self, prepared: Range<usize>) -> Run {
        let start = prepared.start.min(self.spans.len());
        let end = prepared.end.clamp(start, self.spans.len());
        let spans = self.spans[start..end].to_vec();
        let source = match (spans.first(), spans.last()) {
            (Some(first), Some(last)) => first.start..last.end.max(first.start),
            _ => {
                let at = self.source_offset(start);
                at..at
            }
        };
        Run {
            lang: self.lang,
            text: self.text.chars().skip(start).take(end - start).collect(),
            source,
            spans,
        }
    }

    /// Letters, digits and marks from `prepared_start` on: the word eSpeak meant.
    fn word_len_at(&self, prepared_start: usize) -> usize {
        self.text
            .chars()
            .skip(prepared_start)
            .take_while(|c| c.is_alphanumeric() || is_combining(*c))
            .count()
    }
}

/// Turns a caller's text into runs for the voices, in order. Empty text has
/// no runs; any other text has at least one, and the runs' sources tile it.
pub fn prepare(text: &str, options: &PrepareOptions<'_>, symbols: &SymbolTables) -> Vec<Run> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let words = script::words(&chars);
    let detected = language::resolve(&chars, &words, options.default);
    let pieces = match options.language {
        LanguageMode::Fixed(lang) => vec![(lang, 0..chars.len())],
        LanguageMode::Auto => split_runs(&chars, &words, &detected, options),
    };
    // Latin words found to be Kazakh are transliterated, in whichever run they
    // land (a forced kk run included); one spelling for the whole text.
    let mut kazakh_latin = latin::LatinClues::default();
    let transliterate: Vec<bool> = words
        .iter()
        .zip(&detected)
        .map(|(word, found)| {
            let kazakh = word.script == Script::Latin && found.lang == Some(Lang::Kk);
            if kazakh {
                kazakh_latin.add(found.latin);
            }
            kazakh
        })
        .collect();
    let mut in_word = vec![false; chars.len()];
    for word in &words {
        for flag in in_word.iter_mut().take(word.end).skip(word.start) {
            *flag = true;
        }
    }
    let reader = Reader {
        chars: &chars,
        words: &words,
        transliterate: &transliterate,
        in_word: &in_word,
        spelling: latin::spelling_of(&kazakh_latin),
        options,
        symbols,
    };
    pieces
        .into_iter()
        .map(|(lang, range)| reader.run(lang, range))
        .collect()
}

/// Writes every Latin word of `text` in Kazakh Cyrillic, choosing the Latin
/// spelling (2017, 2018, 2021) from the letters the text uses; the rest is
/// unchanged. For matching Latin-script Kazakh against Cyrillic records.
pub fn kazakh_latin_to_cyrillic(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let words = script::words(&chars);
    let mut clues = latin::LatinClues::default();
    let has_latin = |word: &Word| {
        chars[word.start..word.end]
            .iter()
            .any(|c| is_latin_letter(*c))
    };
    for word in words.iter().filter(|w| has_latin(w)) {
        clues.add(latin::clues(&chars[word.start..word.end]));
    }
    let spelling = latin::spelling_of(&clues);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for word in &words {
        out.extend(&chars[at..word.start]);
        let letters = &chars[word.start..word.end];
        // Cyrillic letters in a mixed word pass through unchanged.
        if has_latin(word) {
            latin::transliterate(letters, spelling, &mut |c, _| out.push(c));
        } else {
            out.extend(letters);
        }
        at = word.end;
    }
    out.extend(&chars[at..]);
    out
}

/// The voice a word gets when its own language is not among the station's:
/// Russian falls back to Kazakh (both read Cyrillic), Kazakh Latin to English
/// (untransliterated), and anything else to the default.
fn allowed_lang(lang: Lang, script: Script, options: &PrepareOptions<'_>) -> Lang {
    if options.allowed.is_empty() {
        return lang;
    }
    let second = match (lang, script) {
        (Lang::Ru, _) => Some(Lang::Kk),
        (Lang::Kk, Script::Latin) => Some(Lang::En),
        _ => None,
    };
    [Some(lang), second]
        .into_iter()
        .flatten()
        .find(|l| options.allowed.contains(l))
        .unwrap_or(options.default)
}

/// Cuts the text into (language, chars) pieces at language changes. Text
/// between two words of different languages goes to the first up to and
/// including its first spaces after the last sentence end ("ақын. |Лев",
/// "50%. |Hello"), so sentence-final marks stay with their sentence and a
/// number or an opening quote after the space goes with the word it precedes
/// ("in |1845 жылы"); with no space, opening marks go with the next word
/// ("Abai/|«Абай»").
fn split_runs(
    chars: &[char],
    words: &[Word],
    detected: &[language::WordLanguage],
    options: &PrepareOptions<'_>,
) -> Vec<(Lang, Range<usize>)> {
    let voiced: Vec<(Lang, &Word)> = words
        .iter()
        .zip(detected)
        .filter_map(|(word, found)| {
            found
                .lang
                .map(|lang| (allowed_lang(lang, word.script, options), word))
        })
        .collect();
    let Some((first_lang, first_word)) = voiced.first() else {
        return vec![(options.default, 0..chars.len())];
    };
    let mut runs = Vec::new();
    let mut lang = *first_lang;
    let mut start = 0;
    let mut previous_end = first_word.end;
    for (word_lang, word) in voiced.iter().skip(1) {
        if *word_lang != lang {
            let cut = split_point(chars, previous_end, word.start);
            runs.push((lang, start..cut));
            lang = *word_lang;
            start = cut;
        }
        previous_end = word.end;
    }
    runs.push((lang, start..chars.len()));
    runs
}

fn split_point(chars: &[char], gap_start: usize, gap_end: usize) -> usize {
    let gap_end = gap_end.min(chars.len());
    let gap_start = gap_start.min(gap_end);
    // After the last sentence end in the gap, so "50%. " stays with its sentence.
    let mut from = gap_start;
    let mut space_after = false;
    for i in (gap_start..gap_end).rev() {
        if is_sentence_mark(chars[i]) && space_after {
            from = i;
            break;
        }
        space_after |= chars[i].is_whitespace();
    }
    match (from..gap_end).find(|&i| chars[i].is_whitespace()) {
        Some(mut at) => {
            while at < gap_end && chars[at].is_whitespace() {
                at += 1;
            }
            at
        }
        None => {
            let mut at = gap_end;
            while at > gap_start && is_opener(chars[at - 1]) {
                at -= 1;
            }
            at
        }
    }
}

/// Punctuation kept after its spoken name, so the voice still pauses or
/// raises its pitch there.
fn keeps_prosody(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '…')
}

/// A run's text as it is built, with the source of each char.
#[derive(Default)]
struct Prepared {
    text: String,
    spans: Vec<SourceSpan>,
}

impl Prepared {
    fn push(&mut self, c: char, span: SourceSpan) {
        self.text.push(c);
        self.spans.push(span);
    }

    fn push_str(&mut self, s: &str, span: SourceSpan) {
        for c in s.chars() {
            self.push(c, span);
        }
    }

    fn ends_in_space(&self) -> bool {
        !matches!(self.text.chars().next_back(), Some(c) if !c.is_whitespace())
    }

    /// A spoken name as a word of its own.
    fn push_word(&mut self, word: &str, span: SourceSpan) {
        if !self.ends_in_space() {
            self.push(' ', span);
        }
        self.push_str(word, span);
    }
}

/// What the runs of one text are built from.
struct Reader<'a> {
    chars: &'a [char],
    words: &'a [Word],
    transliterate: &'a [bool],
    in_word: &'a [bool],
    spelling: latin::Spelling,
    options: &'a PrepareOptions<'a>,
    symbols: &'a SymbolTables,
}

impl Reader<'_> {
    fn run(&self, lang: Lang, range: Range<usize>) -> Run {
        let range = range.start.min(self.chars.len())..range.end.min(self.chars.len());
        let table = self.symbols.get(lang);
        let prepared = if self.options.spell {
            self.spell(table, range.clone())
        } else {
            self.read(lang, table, range.clone())
        };
        Run {
            lang,
            text: prepared.text,
            source: range,
            spans: prepared.spans,
        }
    }

    fn read(&self, lang: Lang, table: &SymbolTable, range: Range<usize>) -> Prepared {
        let mut out = Prepared::default();
        // Index of the first word not yet passed, to find words starting at `i`.
        let mut word = self.words.partition_point(|w| w.end <= range.start);
        let mut i = range.start;
        while i < range.end {
            while self.words.get(word).is_some_and(|w| w.end <= i) {
                word += 1;
            }
            if let Some(w) = self.words.get(word).filter(|w| w.start == i) {
                if lang == Lang::Kk && self.transliterate.get(word).copied().unwrap_or(false) {
                    let end = w.end.min(range.end);
                    latin::transliterate(&self.chars[i..end], self.spelling, &mut |c, r| {
                        out.push(c, SourceSpan::of(i + r.start..i + r.end));
                    });
                    i = end;
                    continue;
                }
            }
            let c = self.chars[i];
            if let Some((entry, key, end)) = self.named_symbol(table, i, range.end) {
                let span = SourceSpan::of(i..end);
                out.push_word(&entry.name, span);
                let next_is_letter = end < range.end
                    && self
                        .chars
                        .get(end)
                        .is_some_and(|next| next.is_alphanumeric());
                if next_is_letter {
                    // Keep the name apart from the word after it ("a<b"); and
                    // "kitap.kz" has no sentence end for the voice to pause at.
                    out.push(' ', span);
                } else if keeps_prosody(key) {
                    out.push(key, span);
                }
                i = end;
                continue;
            }
            // NUL would end the C string eSpeak is given; other controls mean nothing spoken.
            let c = if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
                ' '
            } else {
                c
            };
            out.push(c, SourceSpan::of(i..i + 1));
            i += 1;
        }
        out
    }

    /// The symbol at `i` if its name is to be said: (name, the symbol it was
    /// looked up as, end of the chars it covers). A repeated symbol ("!!!",
    /// "----") is named once; three dots are an ellipsis.
    fn named_symbol<'t>(
        &self,
        table: &'t SymbolTable,
        i: usize,
        range_end: usize,
    ) -> Option<(&'t SymbolName, char, usize)> {
        let c = *self.chars.get(i)?;
        if c.is_alphanumeric() || c.is_whitespace() || is_combining(c) {
            return None;
        }
        let punctuation = self.options.punctuation;
        // A hyphen or apostrophe inside a word is part of the word below "all".
        if self.in_word.get(i).copied().unwrap_or(false) && punctuation != PunctuationLevel::All {
            return None;
        }
        // "3.14", "1,5", "10:30": the number is read as a number.
        let digit_at = |at: Option<usize>| {
            at.and_then(|at| self.chars.get(at))
                .is_some_and(|d| d.is_ascii_digit())
        };
        if matches!(c, '.' | ',' | ':') && digit_at(i.checked_sub(1)) && digit_at(Some(i + 1)) {
            return None;
        }
        let mut end = i + 1;
        while end < range_end && self.chars.get(end) == Some(&c) {
            end += 1;
        }
        let key = if c == '.' && end - i >= 3 { '…' } else { c };
        let entry = table.symbol(key)?;
        entry
            .level
            .is_named_at(punctuation)
            .then_some((entry, key, end))
    }

    fn spell(&self, table: &SymbolTable, range: Range<usize>) -> Prepared {
        let mut out = Prepared::default();
        for i in range {
            let c = self.chars[i];
            let span = SourceSpan::of(i..i + 1);
            if is_combining(c) {
                // An accent belongs to the letter just said.
                out.push(c, span);
                continue;
            }
            let spoken: String = match c {
                '\n' => table.words.new_line.clone(),
                '\t' => table.words.tab.clone(),
                // Line ends are said once, as "new line"; invisible characters not at all.
                '\r' | '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => continue,
                _ if c.is_whitespace() => table.words.space.clone(),
                _ if c.is_control() => continue,
                _ if c.is_alphabetic() => {
                    if self.options.capitals == CapitalMode::Word && c.is_uppercase() {
                        out.push_word(&table.words.capital, span);
                    }
                    table.letter(c).map_or_else(|| c.to_string(), str::to_owned)
                }
                _ => table
                    .symbol(c)
                    .map_or_else(|| c.to_string(), |entry| entry.name.clone()),
            };
            out.push_word(&spoken, span);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Lang] = &[Lang::Kk, Lang::Ru, Lang::En];

    fn options(default: Lang) -> PrepareOptions<'static> {
        PrepareOptions {
            language: LanguageMode::Auto,
            allowed: ALL,
            default,
            punctuation: PunctuationLevel::None,
            spell: false,
            capitals: CapitalMode::None,
        }
    }

    fn runs_with(text: &str, options: &PrepareOptions<'_>) -> Vec<(Lang, String)> {
        prepare(text, options, &SymbolTables::embedded())
            .into_iter()
            .map(|run| (run.lang, run.text))
            .collect()
    }

    fn runs(text: &str, default: Lang) -> Vec<(Lang, String)> {
        runs_with(text, &options(default))
    }

    fn at_level(text: &str, punctuation: PunctuationLevel) -> Vec<(Lang, String)> {
        runs_with(
            text,
            &PrepareOptions {
                punctuation,
                ..options(Lang::Kk)
            },
        )
    }

    fn run(lang: Lang, text: &str) -> (Lang, String) {
        (lang, text.to_owned())
    }

    fn slice(text: &str, range: Range<usize>) -> String {
        text.chars().skip(range.start).take(range.len()).collect()
    }

    #[test]
    fn a_kazakh_sentence_then_a_russian_one_make_two_runs() {
        let got = runs(
            "Абай Құнанбайұлы — ұлы ақын. Лев Толстой написал «Войну и мир».",
            Lang::Kk,
        );
        assert_eq!(
            got,
            [
                run(Lang::Kk, "Абай Құнанбайұлы — ұлы ақын. "),
                run(Lang::Ru, "Лев Толстой написал «Войну и мир»."),
            ]
        );
    }

    #[test]
    fn kazakh_without_kazakh_letters_is_one_kazakh_run() {
        assert_eq!(
            runs("Мен кітап оқимын", Lang::Ru),
            [run(Lang::Kk, "Мен кітап оқимын")]
        );
        assert_eq!(
            runs("Мен мектепке барамын.", Lang::En),
            [run(Lang::Kk, "Мен мектепке барамын.")]
        );
    }

    #[test]
    fn a_name_with_no_kazakh_letters_takes_the_station_default() {
        assert_eq!(
            runs("Hello, Абай!", Lang::Kk),
            [run(Lang::En, "Hello, "), run(Lang::Kk, "Абай!")]
        );
        assert_eq!(
            runs("Hello, Абай!", Lang::Ru),
            [run(Lang::En, "Hello, "), run(Lang::Ru, "Абай!")]
        );
    }

    #[test]
    fn neutral_text_joins_the_runs_around_it() {
        assert_eq!(
            runs("Born in 1845 жылы туған.", Lang::Kk),
            [run(Lang::En, "Born in "), run(Lang::Kk, "1845 жылы туған.")]
        );
        assert_eq!(
            runs("ақын «Войну и мир»", Lang::Kk),
            [run(Lang::Kk, "ақын "), run(Lang::Ru, "«Войну и мир»")]
        );
        assert_eq!(
            runs("Abai/«Абай»", Lang::Kk),
            [run(Lang::En, "Abai/"), run(Lang::Kk, "«Абай»")]
        );
        assert_eq!(runs("... 42 !", Lang::Ru), [run(Lang::Ru, "... 42 !")]);
        assert_eq!(runs("   ", Lang::En), [run(Lang::En, "   ")]);
        assert!(runs("", Lang::En).is_empty());
    }

    #[test]
    fn a_run_never_ends_inside_a_word() {
        assert_eq!(
            runs("iPhone-ға Windows10қа", Lang::En),
            [run(Lang::Kk, "iPhone-ға Windows10қа")]
        );
    }

    #[test]
    fn only_allowed_languages_are_used() {
        let allowed = [Lang::Kk, Lang::Ru];
        let no_english = PrepareOptions {
            allowed: &allowed,
            ..options(Lang::Kk)
        };
        assert_eq!(
            runs_with(
                "Hello world. Лев Толстой написал «Войну и мир».",
                &no_english
            ),
            [
                run(Lang::Kk, "Hello world. "),
                run(Lang::Ru, "Лев Толстой написал «Войну и мир»."),
            ]
        );
        let allowed = [Lang::Kk, Lang::En];
        let no_russian = PrepareOptions {
            allowed: &allowed,
            ..options(Lang::En)
        };
        // Russian falls back to the other Cyrillic voice, not to English.
        assert_eq!(
            runs_with("Лев Толстой и Hello world", &no_russian),
            [
                run(Lang::Kk, "Лев Толстой и "),
                run(Lang::En, "Hello world")
            ]
        );
    }

    #[test]
    fn a_forced_language_is_one_run() {
        let options = PrepareOptions {
            language: LanguageMode::Fixed(Lang::Ru),
            ..options(Lang::Kk)
        };
        let text = "Абай Құнанбайұлы — ұлы ақын. Hello, Älem!";
        assert_eq!(runs_with(text, &options), [run(Lang::Ru, text)]);
    }

    #[test]
    fn kazakh_latin_is_transliterated_for_the_kk_voice() {
        assert_eq!(runs("Älem", Lang::En), [run(Lang::Kk, "Әлем")]);
        assert_eq!(
            runs("Abaı Qunanbaıuly", Lang::En),
            [run(Lang::Kk, "Абай Құнанбайұлы")]
        );
        assert_eq!(
            runs("Qazaqstan Respublikasy", Lang::En),
            [run(Lang::Kk, "Қазақстан Респұблікасы")]
        );
        assert_eq!(
            runs("Qazaqstan Respýblıkasy", Lang::En),
            [run(Lang::Kk, "Қазақстан Республикасы")]
        );
        assert_eq!(
            runs("Qazaqstan Respy'bli'kasy", Lang::En),
            [run(Lang::Kk, "Қазақстан Республикасы")]
        );
        assert_eq!(
            runs("Bağdat şaharynyñ bır ülken qazysy", Lang::En),
            [run(Lang::Kk, "Бағдат шахарының бір үлкен қазысы")]
        );
        assert_eq!(runs("Abai", Lang::Kk), [run(Lang::En, "Abai")]);
    }

    #[test]
    fn forced_kazakh_transliterates_only_kazakh_latin_words() {
        let options = PrepareOptions {
            language: LanguageMode::Fixed(Lang::Kk),
            ..options(Lang::Kk)
        };
        assert_eq!(
            runs_with("Бұл Älem. Ал бұл Windows.", &options),
            [run(Lang::Kk, "Бұл Әлем. Ал бұл Windows.")]
        );
    }

    #[test]
    fn kazakh_latin_is_left_alone_when_kazakh_is_not_allowed() {
        let allowed = [Lang::Ru, Lang::En];
        let options = PrepareOptions {
            allowed: &allowed,
            ..options(Lang::Ru)
        };
        assert_eq!(runs_with("Älem", &options), [run(Lang::En, "Älem")]);
    }

    #[test]
    fn symbols_are_named_in_the_runs_language_at_their_level() {
        use PunctuationLevel::*;
        // "%" and "₸" are always named in Kazakh: the kk voice would say "percent" in English.
        assert_eq!(
            at_level("Бағасы 50% арзан, 100 ₸.", None),
            [run(Lang::Kk, "Бағасы 50 пайыз арзан, 100 теңге.")]
        );
        assert_eq!(
            at_level("Қалайсың? Жақсы.", All),
            [run(Lang::Kk, "Қалайсың сұрақ белгісі? Жақсы нүкте.")]
        );
        assert_eq!(
            at_level("Привет, как дела?", All),
            [run(
                Lang::Ru,
                "Привет запятая, как дела вопросительный знак?"
            )]
        );
        assert_eq!(
            at_level("Привет, как дела?", Most),
            [run(Lang::Ru, "Привет, как дела?")]
        );
        assert_eq!(
            at_level("(Абай) if a<b then", Some),
            [
                run(Lang::Kk, "(Абай) "),
                run(Lang::En, "if a less than b then")
            ]
        );
        // A lone Latin letter is read by the voice around it.
        assert_eq!(
            at_level("Бүгін 25°C.", Some),
            [run(Lang::Kk, "Бүгін 25 градус C.")]
        );
        assert_eq!(
            at_level("(Абай)", Most),
            [run(Lang::Kk, "жақша ашылады Абай жақша жабылады")]
        );
    }

    #[test]
    fn numbers_repeats_and_ellipses_are_named_sensibly() {
        use PunctuationLevel::*;
        assert_eq!(
            at_level("Pi is 3.14, at 10:30.", All),
            [run(Lang::En, "Pi is 3.14 comma, at 10:30 dot.")]
        );
        assert_eq!(
            at_level("Жоқ!!! Ал...", All),
            [run(Lang::Kk, "Жоқ леп белгісі! Ал көп нүкте…")]
        );
        assert_eq!(
            at_level("Email: oqu@kitap.kz", All),
            [run(Lang::En, "Email colon: oqu at kitap dot kz")]
        );
        assert_eq!(at_level("Абай-ақын", Most), [run(Lang::Kk, "Абай-ақын")]);
        assert_eq!(
            at_level("Абай-ақын", All),
            [run(Lang::Kk, "Абай сызықша ақын")]
        );
    }

    #[test]
    fn control_characters_never_reach_the_engine() {
        let got = runs("а\0б\u{7}в", Lang::Ru);
        assert_eq!(got, [run(Lang::Ru, "а б в")]);
    }

    #[test]
    fn spelling_says_each_character_in_the_runs_language() {
        let spell = |text: &str, capitals: CapitalMode| {
            runs_with(
                text,
                &PrepareOptions {
                    spell: true,
                    capitals,
                    ..options(Lang::Kk)
                },
            )
        };
        assert_eq!(
            spell("Әке, ұл", CapitalMode::Word),
            [run(Lang::Kk, "бас әріп Ә к е үтір бос орын ұ л")]
        );
        assert_eq!(spell("Әке", CapitalMode::None), [run(Lang::Kk, "Ә к е")]);
        assert_eq!(
            spell("Вас", CapitalMode::Word),
            [run(Lang::Ru, "заглавная вэ а эс")]
        );
        assert_eq!(
            spell("Ab 1", CapitalMode::Word),
            [run(Lang::En, "capital eh b space 1")]
        );
        assert_eq!(
            spell("за\u{301}\nк", CapitalMode::None),
            [run(Lang::Ru, "з а\u{301} новая строка к")]
        );
    }

    #[test]
    fn spelled_characters_map_to_themselves() {
        let text = "Аб, в";
        let options = PrepareOptions {
            spell: true,
            capitals: CapitalMode::Word,
            ..options(Lang::Ru)
        };
        let runs = prepare(text, &options, &SymbolTables::embedded());
        let run = &runs[0];
        // Each spoken word stands for one character of the caller's text.
        let words: Vec<String> = espeak_like_words(&run.text)
            .into_iter()
            .map(|(start, len)| slice(text, run.word_source_range(start, len)))
            .collect();
        assert_eq!(words, ["А", "А", "б", ",", " ", "в"]);
    }

    /// Words as eSpeak reports them: (start, len) of letter-and-digit runs.
    fn espeak_like_words(text: &str) -> Vec<(usize, usize)> {
        let chars: Vec<char> = text.chars().collect();
        let mut words = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_alphanumeric() {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || is_combining(chars[i])) {
                    i += 1;
                }
                words.push((start, i - start));
            } else {
                i += 1;
            }
        }
        words
    }

    /// The caller's text behind each word eSpeak would report, over all runs.
    fn spoken_sources(text: &str, options: &PrepareOptions<'_>) -> Vec<String> {
        prepare(text, options, &SymbolTables::embedded())
            .iter()
            .flat_map(|run| {
                espeak_like_words(&run.text)
                    .into_iter()
                    .map(|(start, len)| slice(text, run.word_source_range(start, len)))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    const MIXED: &str = "Абай Құнанбайұлы — ұлы ақын. Лев Толстой написал «Войну и мир». \
        Abaı Qunanbaıuly: 50%. Hello, world!";

    #[test]
    fn word_offsets_of_mixed_text_map_to_the_callers_words() {
        let runs = prepare(MIXED, &options(Lang::Kk), &SymbolTables::embedded());
        let langs: Vec<Lang> = runs.iter().map(|r| r.lang).collect();
        assert_eq!(langs, [Lang::Kk, Lang::Ru, Lang::Kk, Lang::En]);
        assert_eq!(runs[2].text, "Абай Құнанбайұлы: 50 пайыз. ");
        assert_eq!(
            spoken_sources(MIXED, &options(Lang::Kk)),
            [
                "Абай",
                "Құнанбайұлы",
                "ұлы",
                "ақын",
                "Лев",
                "Толстой",
                "написал",
                "Войну",
                "и",
                "мир",
                "Abaı",
                "Qunanbaıuly",
                "50",
                "%",
                "Hello",
                "world",
            ]
        );
    }

    #[test]
    fn symbol_names_map_to_their_symbol_at_every_level() {
        for punctuation in [
            PunctuationLevel::None,
            PunctuationLevel::Some,
            PunctuationLevel::Most,
            PunctuationLevel::All,
        ] {
            let options = PrepareOptions {
                punctuation,
                ..options(Lang::Kk)
            };
            let chars: Vec<char> = MIXED.chars().collect();
            let words = script::words(&chars);
            for source in spoken_sources(MIXED, &options) {
                let is_word = words
                    .iter()
                    .any(|w| chars[w.start..w.end].iter().collect::<String>() == source);
                let is_symbol =
                    source.chars().count() == 1 && source.chars().all(|c| !c.is_alphanumeric());
                assert!(is_word || is_symbol, "{punctuation:?}: {source:?}");
            }
        }
        let options = PrepareOptions {
            punctuation: PunctuationLevel::All,
            ..options(Lang::Kk)
        };
        let sources = spoken_sources("Сәлем, «әлем»!", &options);
        assert_eq!(
            sources,
            ["Сәлем", ",", "«", "«", "әлем", "»", "»", "!", "!"]
        );
    }

    #[test]
    fn espeak_word_events_convert_from_one_based_positions() {
        assert_eq!(prepared_index_from_espeak(1), 0);
        assert_eq!(prepared_index_from_espeak(0), 0);
        assert_eq!(prepared_index_from_espeak(-7), 0);
        assert_eq!(prepared_index_from_espeak(12), 11);
        let text = "Лев  Толстой написал «Войну и мир» 50%";
        let options = PrepareOptions {
            language: LanguageMode::Fixed(Lang::Ru),
            punctuation: PunctuationLevel::Some,
            ..options(Lang::Ru)
        };
        let runs = prepare(text, &options, &SymbolTables::embedded());
        let run = &runs[0];
        // Positions as eSpeak NG 1.51 reported them for this text.
        assert_eq!(slice(text, run.espeak_word_source_range(6, 7)), "Толстой");
        assert_eq!(slice(text, run.espeak_word_source_range(23, 5)), "Войну");
        // eSpeak gives the word before "»" a length of 0, and one at a trailing space.
        assert_eq!(slice(text, run.espeak_word_source_range(31, 0)), "мир");
        assert_eq!(run.espeak_word_source_range(35, 0), 34..34);
        // "%" became "процент": the name maps to the symbol.
        let name_at = run
            .text
            .find("процент")
            .map(|b| run.text[..b].chars().count());
        let name_at = i32::try_from(name_at.unwrap()).unwrap();
        assert_eq!(
            slice(text, run.espeak_word_source_range(name_at + 1, 7)),
            "%"
        );
        // Out of range positions clamp to the end of the run.
        let end = text.chars().count();
        assert_eq!(run.espeak_word_source_range(10_000, 3), end..end);
        assert_eq!(run.source_offset(10_000), end);
    }

    #[test]
    fn a_slice_keeps_its_mapping() {
        let text = "Бағасы 50% арзан.";
        let runs = prepare(text, &options(Lang::Kk), &SymbolTables::embedded());
        let whole = &runs[0];
        assert_eq!(whole.text, "Бағасы 50 пайыз арзан.");
        let part = whole.slice(10..15);
        assert_eq!(part.text, "пайыз");
        assert_eq!(part.source, 9..10);
        assert_eq!(part.word_source_range(0, 5), 9..10);
        let rest = whole.slice(16..100);
        assert_eq!(rest.text, "арзан.");
        assert_eq!(slice(text, rest.source), "арзан.");
        let empty = whole.slice(50..60);
        assert_eq!(empty.text, "");
        assert_eq!(empty.source, 17..17);
    }

    #[test]
    fn latin_kazakh_converts_to_cyrillic_for_search() {
        assert_eq!(
            kazakh_latin_to_cyrillic("Qazaqstan Respýblıkasy, 2024"),
            "Қазақстан Республикасы, 2024"
        );
        assert_eq!(kazakh_latin_to_cyrillic("Abaı жолы"), "Абай жолы");
        assert_eq!(
            kazakh_latin_to_cyrillic("Abaı Q. Qunanbaıuly"),
            "Абай Қ. Құнанбайұлы"
        );
    }

    #[test]
    fn a_text_of_the_largest_size_callers_send_is_prepared_whole() {
        let mut text = String::new();
        while text.chars().count() + MIXED.chars().count() < crate::requests::MAX_SPEAK_CHARS {
            text.push_str(MIXED);
            text.push('\n');
        }
        let n = text.chars().count();
        let options = PrepareOptions {
            punctuation: PunctuationLevel::All,
            ..options(Lang::Kk)
        };
        let runs = prepare(&text, &options, &SymbolTables::embedded());
        assert_eq!(runs.first().map(|r| r.source.start), Some(0));
        assert_eq!(runs.last().map(|r| r.source.end), Some(n));
        assert!(runs
            .windows(2)
            .all(|w| w[0].source.end == w[1].source.start));
        assert_eq!(runs.len() % 4, 0, "four runs per copy of the text");
    }

    /// A small deterministic generator, so the test needs no crate.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn no_input_panics_and_every_offset_stays_in_the_text() {
        let alphabet: Vec<char> = concat!(
            "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
            "әғқңөұүһіӘҒҚҢӨҰҮҺІ",
            "abcdefghijklmnopqrstuvwxyzQSC",
            "äğñŋöşūüıİáǵńóúýíÄĞÑÖŞŪÜÁǴŃÓÚÝ",
            "0123456789",
            " \n\t\r  ",
            ".,;:!?-–—()[]{}«»\"'’/\\@#$%&*+=<>_~^|№§°…₸€",
            "\u{0}\u{7}\u{1b}\u{7f}\u{85}\u{ad}\u{200b}\u{200d}\u{feff}",
            "\u{300}\u{301}\u{308}\u{307}\u{483}",
            "😀👍🏽‍\u{fe0f}🇰🇿",
            "שלוםمرحبا\u{200f}\u{202e}",
            "αβγ中文",
        )
        .chars()
        .collect();
        let tables = SymbolTables::embedded();
        let allowed_sets: [&[Lang]; 4] = [ALL, &[Lang::Kk], &[Lang::Ru, Lang::En], &[]];
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            // Mostly short texts, which hit the edges; some long ones.
            let len = if round % 10 == 0 {
                rng.below(400)
            } else {
                rng.below(40)
            };
            let text: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let n = text.chars().count();
            let options = PrepareOptions {
                language: match rng.below(4) {
                    0 => LanguageMode::Fixed(Lang::ALL[rng.below(3)]),
                    _ => LanguageMode::Auto,
                },
                allowed: allowed_sets[rng.below(allowed_sets.len())],
                default: Lang::ALL[rng.below(3)],
                punctuation: [
                    PunctuationLevel::None,
                    PunctuationLevel::Some,
                    PunctuationLevel::Most,
                    PunctuationLevel::All,
                ][rng.below(4)],
                spell: rng.below(4) == 0,
                capitals: if rng.below(2) == 0 {
                    CapitalMode::None
                } else {
                    CapitalMode::Word
                },
            };
            let runs = prepare(&text, &options, &tables);
            assert_eq!(runs.is_empty(), n == 0, "round {round}: {text:?}");
            let mut expected_start = 0;
            for run in &runs {
                assert_eq!(run.source.start, expected_start, "round {round}: {text:?}");
                assert!(run.source.end > run.source.start, "round {round}: {text:?}");
                expected_start = run.source.end;
                assert_eq!(run.spans().len(), run.text.chars().count());
                assert!(!run.text.contains('\0'));
                for span in run.spans() {
                    assert!(
                        span.start <= span.end && span.end <= n,
                        "round {round}: {text:?}"
                    );
                }
                let len = run.text.chars().count();
                for i in 0..len + 3 {
                    assert!(run.source_offset(i) <= n);
                    for word_len in [0, 1, 3, 1000] {
                        let range = run.word_source_range(i, word_len);
                        assert!(range.start <= range.end && range.end <= n);
                    }
                }
                for (position, length) in [(i32::MIN, -1), (0, 0), (1, i32::MAX), (i32::MAX, 5)] {
                    let range = run.espeak_word_source_range(position, length);
                    assert!(range.start <= range.end && range.end <= n);
                }
                let part = run.slice(len / 2..len + 5);
                assert!(part.source.end <= n);
            }
            assert_eq!(expected_start, n, "round {round}: {text:?}");
            // Runs change only between words.
            let chars: Vec<char> = text.chars().collect();
            for boundary in runs.iter().skip(1).map(|r| r.source.start) {
                assert!(
                    !script::words(&chars)
                        .iter()
                        .any(|w| w.start < boundary && boundary < w.end),
                    "round {round}: {text:?} cut at {boundary}"
                );
            }
            let _ = kazakh_latin_to_cyrillic(&text);
        }
    }
}
