//! From a caller's text to the chunks the speech thread synthesises: language
//! runs (see `text`), cut at sentence ends into pieces short enough that the
//! first sound comes at once, each remembering where its characters came from.

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
    /// The text is SSML: pass it whole, unsplit.
    pub ssml: bool,
}

/// A piece of text for one voice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub lang: Lang,
    /// What eSpeak is given.
    pub text: String,
    /// For each char of `text`, its char offset in the caller's text.
    pub offsets: Vec<u32>,
    /// Caller's text length in chars (the end of the last word).
    pub caller_len: u32,
}

impl Chunk {
    /// The caller's [start, end) for a word eSpeak reports at `start` (0-based
    /// char index in `text`) spanning `len` chars.
    pub fn caller_range(&self, start: usize, len: usize) -> (u32, u32) {
        let at = |i: usize| self.offsets.get(i).copied();
        let begin = at(start)
            .or_else(|| self.offsets.last().copied())
            .unwrap_or(0);
        let last = start + len.max(1) - 1;
        let end = at(last)
            .map(|o| o + 1)
            .unwrap_or(self.caller_len)
            .max(begin);
        (begin, end.min(self.caller_len))
    }
}

pub fn prepare(text: &str, options: &PrepareOptions) -> Vec<Chunk> {
    let caller_len = text.chars().count() as u32;
    let runs = runs_for_speech(text, options);
    let mut chunks = Vec::new();
    for run in runs {
        if options.ssml {
            chunks.push(Chunk {
                lang: run.lang,
                text: run.text,
                offsets: run.offsets,
                caller_len,
            });
            continue;
        }
        split_run(run.lang, &run.text, &run.offsets, caller_len, &mut chunks);
    }
    chunks.retain(|c| c.text.chars().any(|ch| !ch.is_whitespace()));
    chunks
}

/// Text for one voice, with each char's offset in the caller's text.
struct Run {
    lang: Lang,
    text: String,
    offsets: Vec<u32>,
}

// Interim: one run in the forced or default language, until the language
// splitter in `text` is wired in.
fn runs_for_speech(text: &str, options: &PrepareOptions) -> Vec<Run> {
    vec![Run {
        lang: options.forced.unwrap_or(options.default),
        text: text.to_owned(),
        offsets: (0..text.chars().count() as u32).collect(),
    }]
}

/// Cuts a run at sentence ends (or spaces, for long sentences).
fn split_run(lang: Lang, text: &str, offsets: &[u32], caller_len: u32, out: &mut Vec<Chunk>) {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let len = i + 1 - start;
        let sentence_end = matches!(chars[i], '.' | '!' | '?' | '…' | '\n')
            && chars.get(i + 1).is_none_or(|c| c.is_whitespace());
        let cut = (sentence_end && len >= CHUNK_CHARS)
            || (chars[i].is_whitespace() && len >= 2 * CHUNK_CHARS);
        if cut || i + 1 == chars.len() {
            out.push(Chunk {
                lang,
                text: chars[start..=i].iter().collect(),
                offsets: offsets
                    .get(start..=i)
                    .map(<[u32]>::to_vec)
                    .unwrap_or_default(),
                caller_len,
            });
            start = i + 1;
        }
        i += 1;
    }
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
            ssml: false,
        }
    }

    #[test]
    fn long_text_is_cut_at_sentence_ends_keeping_offsets() {
        let sentence = "Бұл сөйлем оқылады, ол ұзақ емес бірақ қысқа да емес. ";
        let text = sentence.repeat(10);
        let chunks = prepare(&text, &options(Some(Lang::Kk)));
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(chunk.text.chars().count() <= 2 * CHUNK_CHARS + sentence.len());
            let first = chunk.offsets[0] as usize;
            let original: String = text.chars().skip(first).take(chunk.offsets.len()).collect();
            assert_eq!(original, chunk.text);
        }
        let joined: String = chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(joined.trim(), text.trim());
    }

    #[test]
    fn word_ranges_map_back() {
        let chunk = Chunk {
            lang: Lang::Ru,
            text: "мир".into(),
            offsets: vec![10, 11, 12],
            caller_len: 13,
        };
        assert_eq!(chunk.caller_range(0, 3), (10, 13));
        assert_eq!(chunk.caller_range(5, 3), (12, 13));
    }
}
