//! Characters and words: which script a letter is written in, where words
//! begin and end, and where clauses, sentences and paragraphs break.
//!
//! Everything here counts in chars (Unicode scalar values), as the caller's
//! offsets do.

/// The Kazakh letters Russian does not have. One of them makes a word Kazakh.
pub(super) fn is_kazakh_cyrillic(c: char) -> bool {
    matches!(
        c,
        'ә' | 'ғ'
            | 'қ'
            | 'ң'
            | 'ө'
            | 'ұ'
            | 'ү'
            | 'һ'
            | 'і'
            | 'Ә'
            | 'Ғ'
            | 'Қ'
            | 'Ң'
            | 'Ө'
            | 'Ұ'
            | 'Ү'
            | 'Һ'
            | 'І'
    )
}

pub(super) fn is_cyrillic_letter(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{A640}'..='\u{A69F}')
        && c.is_alphabetic()
}

pub(super) fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(
            c,
            '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{2C60}'..='\u{2C7F}' | '\u{A720}'..='\u{A7FF}'
        ) && c.is_alphabetic())
}

/// Combining marks: they belong to the letter before them (stress marks in
/// Russian books, decomposed diacritics in Kazakh Latin).
pub(super) fn is_combining(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0483}'..='\u{0489}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Invisible characters that sit inside words (soft hyphens in book text,
/// joiners); they never end a word.
fn is_word_format(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}')
}

fn is_word_start(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c)
}

fn is_word_char(c: char) -> bool {
    is_word_start(c) || is_word_format(c)
}

/// Apostrophes, as typed and as typeset. Kazakh Latin of 2017 writes letters with them.
pub(super) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | 'ʻ')
}

/// Characters that join two parts of one word ("Абай-ақын", "don't", "a'lem").
fn is_joiner(c: char) -> bool {
    is_apostrophe(c) || matches!(c, '-' | '‐' | '‑')
}

/// Letters that the 2017 Kazakh Latin alphabet marks with a following apostrophe.
pub(super) fn takes_kazakh_apostrophe(c: char) -> bool {
    matches!(
        c.to_ascii_lowercase(),
        'a' | 'g' | 'n' | 'o' | 's' | 'c' | 'u' | 'y' | 'i'
    )
}

/// Marks that end a sentence when followed by a space or a line end.
pub(super) fn is_sentence_mark(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '‼' | '⁇' | '⁈' | '⁉' | '。')
}

/// Marks that end a clause: a quotation, an aside or a list item may be in
/// another language than the words around it.
fn is_clause_mark(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '«'
            | '»'
            | '"'
            | '“'
            | '”'
            | '„'
            | '‹'
            | '›'
            | '\''
            | '‘'
            | '’'
            | '-'
            | '–'
            | '—'
            | '/'
            | '|'
    )
}

/// Opening marks that belong to the word after them when a language run starts there.
pub(super) fn is_opener(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | '{' | '«' | '"' | '“' | '„' | '‹' | '\'' | '‘' | '¡' | '¿'
    )
}

/// Which script a word's letters are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Script {
    /// Cyrillic; `kazakh_letters` when it has a letter only Kazakh uses.
    Cyrillic {
        kazakh_letters: bool,
    },
    Latin,
    /// Digits only, a single Latin letter, or letters of a script oqu has no
    /// voice for: such a word is read by the voice of the text around it.
    Neutral,
}

/// A word of the caller's text: letters, digits and marks, joined by
/// apostrophes and hyphens. A language run never ends inside one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    /// Char offsets in the caller's text, [start, end).
    pub start: usize,
    pub end: usize,
    pub script: Script,
    /// Numbers of the clause, sentence and paragraph the word is in, from 0.
    pub clause: usize,
    pub sentence: usize,
    pub paragraph: usize,
}

/// How strongly the text between two words separates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Break {
    None,
    Clause,
    Sentence,
    Paragraph,
}

fn gap_break(gap: &[char]) -> Break {
    let newlines = gap.iter().filter(|c| **c == '\n').count();
    if newlines >= 2 || gap.contains(&'\u{2029}') {
        return Break::Paragraph;
    }
    if newlines == 1 || gap.contains(&'\u{2028}') {
        return Break::Sentence;
    }
    // "т.б." or "file.txt" have no space after the dot: not a sentence end.
    let sentence_end = gap
        .iter()
        .position(|c| is_sentence_mark(*c))
        .is_some_and(|at| gap[at..].iter().any(|c| c.is_whitespace()));
    if sentence_end {
        Break::Sentence
    } else if gap
        .iter()
        .any(|c| is_clause_mark(*c) || is_sentence_mark(*c))
    {
        Break::Clause
    } else {
        Break::None
    }
}

fn script_of(word: &[char]) -> Script {
    let mut cyrillic = 0usize;
    let mut latin = 0usize;
    let mut kazakh_letters = false;
    for &c in word {
        if is_cyrillic_letter(c) {
            cyrillic += 1;
            kazakh_letters |= is_kazakh_cyrillic(c);
        } else if is_latin_letter(c) {
            latin += 1;
        }
    }
    if kazakh_letters {
        // A Kazakh letter decides, even in "iPhone-ға": the ru voice cannot say it.
        Script::Cyrillic {
            kazakh_letters: true,
        }
    } else if cyrillic == 0 && latin <= 1 {
        // A lone Latin letter ("25°C", "A класы") is no sign of English; the
        // voice around it reads it.
        Script::Neutral
    } else if cyrillic >= latin {
        Script::Cyrillic {
            kazakh_letters: false,
        }
    } else {
        Script::Latin
    }
}

/// The words of `chars`, in order, with their clause, sentence and paragraph.
pub(super) fn words(chars: &[char]) -> Vec<Word> {
    let mut words = Vec::new();
    let (mut clause, mut sentence, mut paragraph) = (0, 0, 0);
    let mut gap_start = 0;
    let mut i = 0;
    while i < chars.len() {
        if !is_word_start(chars[i]) {
            i += 1;
            continue;
        }
        if !words.is_empty() {
            let brk = gap_break(&chars[gap_start..i]);
            if brk >= Break::Clause {
                clause += 1;
            }
            if brk >= Break::Sentence {
                sentence += 1;
            }
            if brk >= Break::Paragraph {
                paragraph += 1;
            }
        }
        let start = i;
        i += 1;
        while let Some(&c) = chars.get(i) {
            let next_is_word = chars.get(i + 1).is_some_and(|n| is_word_start(*n));
            if is_word_char(c) {
                i += 1;
            } else if is_joiner(c) && next_is_word {
                i += 2;
            } else if is_apostrophe(c)
                && chars
                    .get(i - 1)
                    .is_some_and(|p| takes_kazakh_apostrophe(*p))
            {
                // "menin'" (2017 Kazakh Latin for "менің"): the apostrophe is the letter's.
                i += 1;
                break;
            } else {
                break;
            }
        }
        let end = i.min(chars.len());
        words.push(Word {
            start,
            end,
            script: script_of(&chars[start..end]),
            clause,
            sentence,
            paragraph,
        });
        gap_start = end;
    }
    words
}

/// The word's letters in lower case, without joiners and invisible marks, for
/// looking it up in word lists.
pub(super) fn folded(word: &[char]) -> String {
    word.iter()
        .filter(|c| !is_joiner(**c) && !is_word_format(**c) && !is_combining(**c))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(String, Script, usize, usize)> {
        let chars: Vec<char> = text.chars().collect();
        words(&chars)
            .into_iter()
            .map(|w| {
                (
                    chars[w.start..w.end].iter().collect(),
                    w.script,
                    w.clause,
                    w.sentence,
                )
            })
            .collect()
    }

    #[test]
    fn words_keep_joined_parts_together() {
        let got: Vec<String> = spans("Абай-ақын don't «a'lem» men' e-mail 3-4 x-")
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert_eq!(
            got,
            ["Абай-ақын", "don't", "a'lem", "men'", "e-mail", "3-4", "x"]
        );
    }

    #[test]
    fn scripts_are_told_apart() {
        let got: Vec<Script> = spans("қазақ орыс English 1845 αβγ iPhone-ға C в")
            .into_iter()
            .map(|w| w.1)
            .collect();
        let kk = Script::Cyrillic {
            kazakh_letters: true,
        };
        let ru = Script::Cyrillic {
            kazakh_letters: false,
        };
        assert_eq!(
            got,
            [
                kk,
                ru,
                Script::Latin,
                Script::Neutral,
                Script::Neutral,
                kk,
                Script::Neutral,
                ru
            ]
        );
    }

    #[test]
    fn clauses_and_sentences_are_numbered() {
        let got: Vec<(usize, usize)> = spans("Бір екі, үш. Төрт т.б. бес\nалты")
            .into_iter()
            .map(|w| (w.2, w.3))
            .collect();
        // "т.б." has no space after its first dot: a clause mark, not a sentence end.
        assert_eq!(
            got,
            [
                (0, 0),
                (0, 0),
                (1, 0),
                (2, 1),
                (2, 1),
                (3, 1),
                (4, 2),
                (5, 3)
            ]
        );
    }

    #[test]
    fn stress_marks_and_soft_hyphens_stay_inside_words() {
        let got: Vec<String> = spans("за\u{301}мок кі\u{AD}тап")
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert_eq!(got, ["за\u{301}мок", "кі\u{AD}тап"]);
    }
}
