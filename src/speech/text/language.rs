//! Which language each word is in, when the caller leaves it to oqu
//! (`language = auto`).
//!
//! The rule (API.md: "Kazakh letters mark Kazakh, other Cyrillic Russian
//! unless the surrounding text is Kazakh, Latin English or Kazakh Latin where
//! its letters show it"), made precise:
//!
//! 1. A word's own letters decide when they can. A Cyrillic word with one of
//!    ә ғ қ ң ө ұ ү һ і is Kazakh. A Latin word with a letter only Kazakh
//!    Latin uses (ä ğ ñ ŋ ö ş ū ü ı İ á ǵ ń ó ú ý í), or with two weaker
//!    hints (q not before u, 2017 apostrophe letters: "Qazaq"), is Kazakh.
//! 2. Other Cyrillic words are Kazakh or Russian by the evidence around them,
//!    looked for first in their clause, then their sentence, then their
//!    paragraph, then the whole text; the first level where one side has
//!    more evidence decides. Evidence for Kazakh: words with Kazakh letters,
//!    common Kazakh words without them ("мен", "деп", "емес"...) and endings
//!    such as "-мын". For Russian: common Russian words ("и", "в", "что"...),
//!    endings such as "-ться", "-ость", and past-tense endings ("сказал") on
//!    words of six letters or more. Clauses count because a quotation or an
//!    aside may be in the other language.
//! 3. A sentence of three or more Cyrillic words with no evidence for Kazakh
//!    at all is Russian, whatever the paragraph: Kazakh sentences that long
//!    nearly always have a Kazakh letter. Shorter ones ("Абай.") follow the
//!    paragraph.
//! 4. With no evidence anywhere, plain Cyrillic is Russian, unless the
//!    station's default language is Kazakh ("Абай" alone on a Kazakh station).
//! 5. Other Latin words are Kazakh only when their clause or sentence shows
//!    Kazakh Latin clearly (two hints, English function words counting double
//!    against them), or when their sentence has a hint and no English word and
//!    the paragraph or text is clearly Kazakh Latin. Otherwise English: plain
//!    ASCII such as "Abai" is not guessed at.
//! 6. Digits, a lone Latin letter ("25°C") and letters of other scripts have
//!    no language: they are read by the voice of the text around them.

use std::cmp::Ordering;

use super::latin::{self, LatinClues};
use super::script::{folded, Script, Word};
use crate::i18n::Lang;

/// Common Kazakh words written without Kazakh letters, and spellings typed on
/// a Russian keyboard ("жане", "жок"). None of them is a Russian word.
const KAZAKH_WORDS: &[&str] = &[
    "мен",
    "сен",
    "ол",
    "олар",
    "сендер",
    "емес",
    "деп",
    "пен",
    "бен",
    "менен",
    "пенен",
    "бенен",
    "немесе",
    "екен",
    "осы",
    "сол",
    "мына",
    "мынау",
    "анау",
    "туралы",
    "бойынша",
    "арасында",
    "сияқты",
    "жане",
    "жок",
    "ушин",
    "болса",
    "болды",
    "болып",
    "болатын",
    "болады",
    "барлық",
    "тек",
    "сонда",
    "мысалы",
    "жылы",
];

/// Kazakh personal endings no Russian word has.
const KAZAKH_ENDINGS: &[&str] = &["мын", "бын", "пын", "мыз", "быз", "пыз", "сыз", "атын"];

/// Common Russian words that are not Kazakh words. "не", "он" and "да" are
/// left out: Kazakh has them too ("what", "ten", "also").
const RUSSIAN_WORDS: &[&str] = &[
    "и",
    "в",
    "во",
    "на",
    "что",
    "это",
    "как",
    "по",
    "с",
    "со",
    "к",
    "ко",
    "у",
    "об",
    "обо",
    "из",
    "за",
    "от",
    "до",
    "для",
    "но",
    "а",
    "же",
    "ли",
    "бы",
    "или",
    "так",
    "уже",
    "его",
    "её",
    "ее",
    "она",
    "они",
    "оно",
    "мы",
    "вы",
    "ты",
    "я",
    "был",
    "была",
    "было",
    "были",
    "есть",
    "нет",
    "все",
    "всё",
    "вот",
    "только",
    "ещё",
    "еще",
    "очень",
    "если",
    "когда",
    "чтобы",
    "который",
    "которая",
    "которое",
    "которые",
    "этот",
    "эта",
    "эти",
    "этого",
    "тот",
    "того",
    "то",
    "там",
    "где",
    "здесь",
    "мне",
    "меня",
    "нас",
    "вас",
    "их",
    "ему",
    "ей",
    "при",
    "про",
    "через",
    "над",
    "под",
    "без",
    "после",
    "перед",
    "также",
    "тоже",
    "может",
    "будет",
    "между",
    "чем",
    "кто",
    "себя",
];

/// Russian past-tense endings ("сказал", "написала"), counted only on words
/// of six letters or more: shorter Kazakh words end so ("мысал", "бала").
const RUSSIAN_PAST_ENDINGS: &[&str] = &["ал", "ял", "ил", "ел", "ла", "ло", "ли", "лся", "лась"];

/// Russian endings (of words at least two letters longer than the ending).
const RUSSIAN_ENDINGS: &[&str] = &[
    "ться", "тся", "ость", "ости", "ение", "ения", "ание", "ания", "ого", "его", "ому", "ыми",
    "ими", "ский", "ская", "ское", "ские", "ской", "ть",
];

/// Common English words that are not Kazakh Latin words ("at", "as", "it",
/// "be" and "men" are: horse, food, dog, a question particle, "I").
const ENGLISH_WORDS: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "are", "was", "were", "been", "for", "with", "on", "by",
    "from", "this", "that", "these", "those", "its", "or", "not", "you", "your", "we", "our",
    "they", "their", "he", "she", "his", "her", "my", "have", "has", "had", "will", "would", "can",
    "could", "should", "does", "did", "but", "if", "what", "which", "who", "there", "here",
    "about", "into", "than", "then", "also",
];

/// Common Kazakh words in Latin letters that carry no special letter.
const KAZAKH_LATIN_WORDS: &[&str] = &[
    "jane", "dep", "emes", "ushin", "olar", "turaly", "nemese", "biraq", "osy", "bul", "jyly",
];

fn has_ending(word: &str, endings: &[&str]) -> bool {
    let letters = word.chars().count();
    endings
        .iter()
        .any(|ending| word.ends_with(ending) && letters >= ending.chars().count() + 2)
}

/// What a stretch of text says about its language.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Evidence {
    kazakh_cyrillic: u32,
    russian: u32,
    kazakh_latin: u32,
    english: u32,
    cyrillic_words: u32,
}

impl Evidence {
    fn add(&mut self, other: &Evidence) {
        self.kazakh_cyrillic += other.kazakh_cyrillic;
        self.russian += other.russian;
        self.kazakh_latin += other.kazakh_latin;
        self.english += other.english;
        self.cyrillic_words += other.cyrillic_words;
    }

    fn cyrillic(&self) -> Option<Lang> {
        match self.kazakh_cyrillic.cmp(&self.russian) {
            Ordering::Greater => Some(Lang::Kk),
            Ordering::Less => Some(Lang::Ru),
            Ordering::Equal => None,
        }
    }

    /// English words count double: a Kazakh name in an English sentence is
    /// common, an English word in a Kazakh Latin one is not.
    fn latin(&self) -> Option<Lang> {
        let english = 2 * self.english;
        if self.kazakh_latin >= 2 && self.kazakh_latin > english {
            Some(Lang::Kk)
        } else if english > self.kazakh_latin {
            Some(Lang::En)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clue {
    /// The word's letters decide.
    Fixed(Lang),
    Cyrillic,
    Latin,
    /// No language: digits, other scripts.
    Neutral,
}

/// A word's language, and its Kazakh Latin letters (to choose the spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WordLanguage {
    pub lang: Option<Lang>,
    pub latin: LatinClues,
}

fn weigh(chars: &[char], word: &Word) -> (Clue, Evidence, LatinClues) {
    let text = &chars[word.start.min(chars.len())..word.end.min(chars.len())];
    let mut evidence = Evidence::default();
    match word.script {
        Script::Cyrillic {
            kazakh_letters: true,
        } => {
            evidence.kazakh_cyrillic = 1;
            evidence.cyrillic_words = 1;
            (Clue::Fixed(Lang::Kk), evidence, LatinClues::default())
        }
        Script::Cyrillic {
            kazakh_letters: false,
        } => {
            let word = folded(text);
            if KAZAKH_WORDS.contains(&word.as_str()) || has_ending(&word, KAZAKH_ENDINGS) {
                evidence.kazakh_cyrillic = 1;
            } else if RUSSIAN_WORDS.contains(&word.as_str())
                || has_ending(&word, RUSSIAN_ENDINGS)
                || (word.chars().count() >= 6 && has_ending(&word, RUSSIAN_PAST_ENDINGS))
            {
                evidence.russian = 1;
            }
            evidence.cyrillic_words = 1;
            (Clue::Cyrillic, evidence, LatinClues::default())
        }
        Script::Latin => {
            let clues = latin::clues(text);
            if clues.strong > 0 || clues.weak >= 2 {
                evidence.kazakh_latin = 2;
                return (Clue::Fixed(Lang::Kk), evidence, clues);
            }
            evidence.kazakh_latin = clues.weak;
            let word = folded(text);
            if ENGLISH_WORDS.contains(&word.as_str()) {
                evidence.english = 1;
            } else if KAZAKH_LATIN_WORDS.contains(&word.as_str()) {
                evidence.kazakh_latin += 1;
            }
            (Clue::Latin, evidence, clues)
        }
        Script::Neutral => (Clue::Neutral, evidence, LatinClues::default()),
    }
}

/// Sums of evidence by clause, sentence, paragraph and the whole text.
struct Context {
    clauses: Vec<Evidence>,
    sentences: Vec<Evidence>,
    paragraphs: Vec<Evidence>,
    text: Evidence,
}

impl Context {
    fn new(words: &[Word], evidence: &[Evidence]) -> Context {
        let count = |level: fn(&Word) -> usize| words.last().map_or(0, |w| level(w) + 1);
        let mut context = Context {
            clauses: vec![Evidence::default(); count(|w| w.clause)],
            sentences: vec![Evidence::default(); count(|w| w.sentence)],
            paragraphs: vec![Evidence::default(); count(|w| w.paragraph)],
            text: Evidence::default(),
        };
        for (word, evidence) in words.iter().zip(evidence) {
            for (sums, at) in [
                (&mut context.clauses, word.clause),
                (&mut context.sentences, word.sentence),
                (&mut context.paragraphs, word.paragraph),
            ] {
                if let Some(sum) = sums.get_mut(at) {
                    sum.add(evidence);
                }
            }
            context.text.add(evidence);
        }
        context
    }

    fn levels(&self, word: &Word) -> [Evidence; 4] {
        let get = |sums: &[Evidence], at: usize| sums.get(at).copied().unwrap_or_default();
        [
            get(&self.clauses, word.clause),
            get(&self.sentences, word.sentence),
            get(&self.paragraphs, word.paragraph),
            self.text,
        ]
    }

    fn cyrillic(&self, word: &Word, default: Lang) -> Lang {
        let [clause, sentence, paragraph, text] = self.levels(word);
        clause
            .cyrillic()
            .or_else(|| sentence.cyrillic())
            .or_else(|| {
                (sentence.cyrillic_words >= 3 && sentence.kazakh_cyrillic == 0).then_some(Lang::Ru)
            })
            .or_else(|| paragraph.cyrillic())
            .or_else(|| text.cyrillic())
            .unwrap_or(if default == Lang::Kk {
                Lang::Kk
            } else {
                Lang::Ru
            })
    }

    fn latin(&self, word: &Word) -> Lang {
        let [clause, sentence, paragraph, text] = self.levels(word);
        let hinted = sentence.kazakh_latin >= 1 && sentence.english == 0;
        clause
            .latin()
            .or_else(|| sentence.latin())
            .or_else(|| {
                hinted
                    .then(|| paragraph.latin().or_else(|| text.latin()))
                    .flatten()
            })
            .unwrap_or(Lang::En)
    }
}

/// The language of each of `words` (in the same order); `None` for words
/// with no language of their own.
pub(super) fn resolve(chars: &[char], words: &[Word], default: Lang) -> Vec<WordLanguage> {
    let weighed: Vec<(Clue, Evidence, LatinClues)> =
        words.iter().map(|word| weigh(chars, word)).collect();
    let evidence: Vec<Evidence> = weighed.iter().map(|w| w.1).collect();
    let context = Context::new(words, &evidence);
    words
        .iter()
        .zip(&weighed)
        .map(|(word, (clue, _, latin))| WordLanguage {
            lang: match clue {
                Clue::Fixed(lang) => Some(*lang),
                Clue::Cyrillic => Some(context.cyrillic(word, default)),
                Clue::Latin => Some(context.latin(word)),
                Clue::Neutral => None,
            },
            latin: *latin,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::script::words;
    use super::*;

    /// Each word with its language, for readable assertions.
    fn detect(text: &str, default: Lang) -> Vec<(String, Option<Lang>)> {
        let chars: Vec<char> = text.chars().collect();
        let words = words(&chars);
        resolve(&chars, &words, default)
            .into_iter()
            .zip(&words)
            .map(|(l, w)| (chars[w.start..w.end].iter().collect(), l.lang))
            .collect()
    }

    fn langs(text: &str, default: Lang) -> Vec<Option<Lang>> {
        detect(text, default).into_iter().map(|w| w.1).collect()
    }

    const KK: Option<Lang> = Some(Lang::Kk);
    const RU: Option<Lang> = Some(Lang::Ru);
    const EN: Option<Lang> = Some(Lang::En);

    #[test]
    fn kazakh_sentence_then_russian_sentence() {
        let got = langs(
            "Абай Құнанбайұлы — ұлы ақын. Лев Толстой написал «Войну и мир».",
            Lang::Kk,
        );
        assert_eq!(got, [KK, KK, KK, KK, RU, RU, RU, RU, RU, RU]);
    }

    #[test]
    fn kazakh_words_without_kazakh_letters_follow_their_sentence() {
        assert_eq!(langs("Мен кітап оқимын", Lang::Ru), [KK, KK, KK]);
        // No Kazakh letter at all: "мен" and the ending "-мын" tell.
        assert_eq!(langs("Мен мектепке барамын.", Lang::Ru), [KK, KK, KK]);
    }

    #[test]
    fn a_russian_quotation_inside_a_kazakh_sentence_is_russian() {
        let got = langs("Ол маған: «Я тебя люблю» деді.", Lang::Kk);
        assert_eq!(got, [KK, KK, RU, RU, RU, KK]);
    }

    #[test]
    fn a_long_sentence_with_no_kazakh_evidence_is_russian_among_kazakh_ones() {
        let got = langs(
            "Абай — ұлы ақын. Лев Толстой написал роман. Ол жақсы жазды.",
            Lang::Kk,
        );
        assert_eq!(got, [KK, KK, KK, RU, RU, RU, RU, KK, KK, KK]);
    }

    #[test]
    fn a_short_plain_sentence_follows_its_paragraph() {
        let got = langs("Абай. Ол ақын.", Lang::Ru);
        assert_eq!(got, [KK, KK, KK]);
        let got = langs("Абай. Он поэт и мыслитель.", Lang::Kk);
        assert_eq!(got, [RU, RU, RU, RU, RU]);
    }

    #[test]
    fn with_no_evidence_plain_cyrillic_is_russian_unless_the_station_is_kazakh() {
        assert_eq!(langs("Hello, Абай!", Lang::Ru), [EN, RU]);
        assert_eq!(langs("Hello, Абай!", Lang::En), [EN, RU]);
        assert_eq!(langs("Hello, Абай!", Lang::Kk), [EN, KK]);
    }

    #[test]
    fn kazakh_latin_shows_in_its_letters() {
        assert_eq!(langs("Älem", Lang::En), [KK]);
        assert_eq!(langs("Abaı Qunanbaıuly", Lang::En), [KK, KK]);
        assert_eq!(langs("Qazaqstan Respublikasy", Lang::En), [KK, KK]);
        assert_eq!(langs("Qazaqstan Respy'bli'kasy", Lang::En), [KK, KK]);
        assert_eq!(langs("Būryñğy ötken zamanda", Lang::En), [KK, KK, KK]);
    }

    #[test]
    fn plain_ascii_stays_english() {
        assert_eq!(langs("Abai", Lang::Kk), [EN]);
        assert_eq!(langs("I was in Iraq", Lang::Kk), [None, EN, EN, EN]);
        assert_eq!(langs("Qatar", Lang::Kk), [EN]);
        assert_eq!(langs("don't stop", Lang::Kk), [EN, EN]);
    }

    #[test]
    fn an_english_clause_after_a_kazakh_latin_name_stays_english() {
        let got = langs(
            "Qazaqstan Respublikasy, the Republic of Kazakhstan",
            Lang::Kk,
        );
        assert_eq!(got, [KK, KK, EN, EN, EN, EN]);
        let got = langs("Qazaqstan is a big country in Asia.", Lang::Kk);
        assert_eq!(got, [KK, EN, None, EN, EN, EN, EN]);
    }

    #[test]
    fn a_hinted_sentence_follows_a_kazakh_latin_paragraph() {
        let got = langs(
            "Qazaqstan Respublikasy. Almaty qalasy. Hello world.",
            Lang::En,
        );
        assert_eq!(got, [KK, KK, KK, KK, EN, EN]);
    }

    #[test]
    fn digits_lone_latin_letters_and_other_scripts_have_no_language() {
        assert_eq!(langs("1845 αβγ C", Lang::Kk), [None, None, None]);
    }

    #[test]
    fn a_russian_verb_outweighs_a_quoted_kazakh_word() {
        let got = langs("Он сказал «рақмет».", Lang::Kk);
        assert_eq!(got, [RU, RU, KK]);
    }

    #[test]
    fn a_kazakh_letter_decides_even_in_a_russian_sentence() {
        let got = detect("Я живу в Қарағанды и работаю.", Lang::Ru);
        let langs: Vec<_> = got.iter().map(|w| w.1).collect();
        assert_eq!(langs, [RU, RU, RU, KK, RU, RU]);
    }
}
