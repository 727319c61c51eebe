//! From a caller's text to the chunks the speech thread synthesises: language
//! runs with symbols named in the run's language (see `text`), cut at
//! sentence ends into pieces short enough that the first sound comes at once,
//! each remembering where its characters came from.

use super::text::{self, CapitalMode, LanguageMode, Run, SymbolTables};
use crate::i18n::Lang;
use crate::requests::PunctuationLevel;

/// Chunks end at a sentence end once they are this long, or at a space once
/// they are twice this long: the first audio needs only the first chunk.
const CHUNK_CHARS: usize = 160;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareOptions {
    /// Speak everything in this language (a `language` option or a chosen voice).
    pub forced: Option<Lang>,
    /// The language of text with no clue (the station's first language).
    pub default: Lang,
    /// The station's languages: runs are only ever in one of these.
    pub allowed: Vec<Lang>,
    pub punctuation: Option<PunctuationLevel>,
    pub spell: bool,
    /// Say the word for "capital" when spelling.
    pub capital_words: bool,
    /// The text is SSML: pass it whole, unsplit and unchanged.
    pub ssml: bool,
}

/// Where a chunk's characters came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// Prepared text: names inserted, Latin Kazakh transliterated.
    Run(Run),
    /// Text passed as it is (SSML): char i is the caller's char `first + i`.
    Verbatim { first: u32 },
}

/// A piece of text for one voice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub lang: Lang,
    /// What the engine is given.
    pub text: String,
    origin: Origin,
    /// Caller's text length in chars.
    caller_len: u32,
}

impl Chunk {
    /// The caller's [start, end) for a word the engine reports at `start`
    /// (0-based char index in `text`) spanning `len` chars.
    pub fn caller_range(&self, start: usize, len: usize) -> (u32, u32) {
        match &self.origin {
            Origin::Run(run) => {
                let range = run.word_source_range(start, len);
                (range.start as u32, range.end as u32)
            }
            Origin::Verbatim { first } => {
                let begin = (first + start as u32).min(self.caller_len);
                let end = (begin + len.max(1) as u32).min(self.caller_len);
                (begin, end)
            }
        }
    }

    /// For each char of `text`, its caller offset (for engines that take marks).
    pub fn offsets(&self) -> Vec<u32> {
        match &self.origin {
            Origin::Run(run) => run.spans().iter().map(|s| s.start as u32).collect(),
            Origin::Verbatim { first } => (0..self.text.chars().count() as u32)
                .map(|i| first + i)
                .collect(),
        }
    }
}

pub fn prepare(text: &str, options: &PrepareOptions, symbols: &SymbolTables) -> Vec<Chunk> {
    let caller_len = text.chars().count() as u32;
    if options.ssml {
        return vec![Chunk {
            lang: options.forced.unwrap_or(options.default),
            text: text.to_owned(),
            origin: Origin::Verbatim { first: 0 },
            caller_len,
        }];
    }
    let runs = text::prepare(
        text,
        &text::PrepareOptions {
            language: options
                .forced
                .map_or(LanguageMode::Auto, LanguageMode::Fixed),
            allowed: &options.allowed,
            default: options.default,
            punctuation: options.punctuation.unwrap_or(PunctuationLevel::Some),
            spell: options.spell,
            capitals: if options.capital_words {
                CapitalMode::Word
            } else {
                CapitalMode::None
            },
        },
        symbols,
    );
    let mut chunks = Vec::new();
    for run in runs {
        for piece in sentence_pieces(&run.text) {
            let part = run.slice(piece);
            if part.text.chars().any(|c| !c.is_whitespace()) {
                chunks.push(Chunk {
                    lang: part.lang,
                    text: part.text.clone(),
                    origin: Origin::Run(part),
                    caller_len,
                });
            }
        }
    }
    chunks
}

/// Char ranges of `text` cut at sentence ends (or spaces, for long sentences).
fn sentence_pieces(text: &str) -> Vec<std::ops::Range<usize>> {
    let chars: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let len = i + 1 - start;
        let sentence_end = matches!(chars[i], '.' | '!' | '?' | '…' | '\n')
            && chars.get(i + 1).is_none_or(|c| c.is_whitespace());
        let cut = (sentence_end && len >= CHUNK_CHARS)
            || (chars[i].is_whitespace() && len >= 2 * CHUNK_CHARS);
        if cut || i + 1 == chars.len() {
            pieces.push(start..i + 1);
            start = i + 1;
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(forced: Option<Lang>) -> PrepareOptions {
        PrepareOptions {
            forced,
            default: Lang::Kk,
            allowed: vec![Lang::Kk, Lang::Ru, Lang::En],
            punctuation: None,
            spell: false,
            capital_words: false,
            ssml: false,
        }
    }

    fn words_of(text: &str, chunk: &Chunk) -> Vec<String> {
        let mut words = Vec::new();
        let chars: Vec<char> = chunk.text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_alphabetic() {
                let start = i;
                while i < chars.len() && chars[i].is_alphabetic() {
                    i += 1;
                }
                let (s, e) = chunk.caller_range(start, i - start);
                words.push(
                    text.chars()
                        .skip(s as usize)
                        .take((e - s) as usize)
                        .collect(),
                );
            } else {
                i += 1;
            }
        }
        words
    }

    #[test]
    fn long_text_is_cut_at_sentence_ends_keeping_offsets() {
        let sentence = "Бұл сөйлем оқылады, ол ұзақ емес бірақ қысқа да емес. ";
        let text = sentence.repeat(10);
        let chunks = prepare(&text, &options(Some(Lang::Kk)), &SymbolTables::embedded());
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(chunk.text.chars().count() <= 3 * CHUNK_CHARS);
            let words = words_of(&text, chunk);
            assert!(
                words.iter().all(|w| sentence.contains(w.as_str())),
                "{words:?}"
            );
        }
    }

    #[test]
    fn mixed_text_goes_to_each_language_with_exact_word_offsets() {
        let text = "Абай Құнанбайұлы — ұлы ақын. Лев Толстой написал роман.";
        let chunks = prepare(text, &options(None), &SymbolTables::embedded());
        let langs: Vec<Lang> = chunks.iter().map(|c| c.lang).collect();
        assert_eq!(langs, vec![Lang::Kk, Lang::Ru]);
        assert_eq!(
            words_of(text, &chunks[1]),
            vec!["Лев", "Толстой", "написал", "роман"]
        );
    }

    #[test]
    fn ssml_passes_unchanged() {
        let mut o = options(Some(Lang::En));
        o.ssml = true;
        let chunks = prepare(
            "<speak>Hi <break/> there</speak>",
            &o,
            &SymbolTables::embedded(),
        );
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].text, "<speak>Hi <break/> there</speak>");
        assert_eq!(chunks[0].caller_range(7, 2), (7, 9));
    }
}
