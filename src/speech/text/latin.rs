//! Kazakh in Latin letters: the clues that tell it from English, and writing
//! it in Cyrillic for the kk voice (eSpeak NG reads Latin Kazakh as English).
//!
//! Three official spellings are met (see FIELD-NOTES "Kazakh in Latin letters"):
//! - 2017: apostrophes, a' = ә, g' = ғ, n' = ң, o' = ө, s' = ш, c' = ч,
//!   u' = ү, y' = у, i' = и/й; u = ұ, y = ы, i = і.
//! - 2018: acute accents, á ә, ǵ ғ, ń ң, ó ө, ú ү, ý у, í (and in practice
//!   ı) и/й, sh ш, ch ч; u = ұ, y = ы, i = і.
//! - 2021: Turkic-style letters, ä ә, ğ ғ, ñ ң, ö ө, ş ш, ū ұ, ü ү, u = у,
//!   y = ы, ı = і, i (İ) = и/й. This follows the alphabet's published
//!   sample text ("bır danyşpan kısı" = "бір данышпан кісі"), which is the
//!   reverse of Turkish for ı/i; the 2019 draft's ŋ, ç and w are read too.
//!
//! The letters ı and i mean different things in 2018 and 2021, so one
//! spelling is chosen for a whole text from the letters its Kazakh words use.

use std::ops::Range;

use super::script::{is_apostrophe, is_combining, takes_kazakh_apostrophe};

/// One letter of a word, with a following combining mark folded in
/// ("a\u{308}" is 'ä'); `start..end` are offsets in the word.
#[derive(Debug, Clone, Copy)]
struct Letter {
    c: char,
    start: usize,
    end: usize,
}

/// The precomposed letter for a base and a combining mark, for the marks
/// Kazakh Latin uses. Text from some systems arrives decomposed.
fn compose(base: char, mark: char) -> Option<char> {
    if base == 'I' && mark == '\u{307}' {
        return Some('İ');
    }
    let lower = base.to_lowercase().next()?;
    let composed = match (lower, mark) {
        ('a', '\u{308}') => 'ä',
        ('o', '\u{308}') => 'ö',
        ('u', '\u{308}') => 'ü',
        ('a', '\u{301}') => 'á',
        ('o', '\u{301}') => 'ó',
        ('u', '\u{301}') => 'ú',
        ('y', '\u{301}') => 'ý',
        ('i' | 'ı', '\u{301}') => 'í',
        ('n', '\u{301}') => 'ń',
        ('g', '\u{301}') => 'ǵ',
        ('g', '\u{306}') => 'ğ',
        ('n', '\u{303}') => 'ñ',
        ('s', '\u{327}') => 'ş',
        ('c', '\u{327}') => 'ç',
        ('u', '\u{304}') => 'ū',
        ('i', '\u{307}') => 'i',
        _ => return None,
    };
    if base.is_uppercase() {
        composed.to_uppercase().next()
    } else {
        Some(composed)
    }
}

fn letters(word: &[char]) -> Vec<Letter> {
    let mut out = Vec::with_capacity(word.len());
    let mut i = 0;
    while let Some(&c) = word.get(i) {
        let composed = word
            .get(i + 1)
            .filter(|mark| is_combining(**mark))
            .and_then(|mark| compose(c, *mark));
        match composed {
            Some(composed) => {
                out.push(Letter {
                    c: composed,
                    start: i,
                    end: i + 2,
                });
                i += 2;
            }
            None => {
                out.push(Letter {
                    c,
                    start: i,
                    end: i + 1,
                });
                i += 1;
            }
        }
    }
    out
}

/// The letter in lower case, keeping the two capital I's apart: 'I' is і in
/// every spelling, 'İ' is и/й.
fn key(c: char) -> char {
    match c {
        'I' | 'İ' => c,
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

/// What a word's letters say about Kazakh Latin.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct LatinClues {
    /// Letters of Kazakh Latin that English never uses (ä ğ ñ ŋ ö ş ū ü ı İ
    /// á ǵ ń ó ú ý í). German, Turkish or Spanish have some of them too;
    /// oqu has no voice for those, and the kk voice reads them better than
    /// the en voice does.
    pub strong: u32,
    /// Hints that English also has, rarely: q not followed by u ("Iraq"),
    /// a 2017 apostrophe letter that is not an English contraction, ç.
    pub weak: u32,
    /// Which spelling the letters belong to.
    pub turkic: u32,
    pub acute: u32,
    pub apostrophes: u32,
    /// sh and ch (2018).
    pub digraphs: u32,
}

impl LatinClues {
    pub(super) fn add(&mut self, other: LatinClues) {
        self.strong += other.strong;
        self.weak += other.weak;
        self.turkic += other.turkic;
        self.acute += other.acute;
        self.apostrophes += other.apostrophes;
        self.digraphs += other.digraphs;
    }
}

/// English endings after an apostrophe ("don't", "I'm", "you're"); they are
/// not 2017 Kazakh letters.
fn is_english_contraction(rest: &str) -> bool {
    matches!(rest, "s" | "t" | "m" | "d" | "re" | "ve" | "ll")
}

pub(super) fn clues(word: &[char]) -> LatinClues {
    let letters = letters(word);
    let mut clues = LatinClues::default();
    for (k, letter) in letters.iter().enumerate() {
        let next = letters.get(k + 1).map(|l| key(l.c));
        match key(letter.c) {
            'ä' | 'ğ' | 'ñ' | 'ŋ' | 'ö' | 'ş' | 'ū' | 'ü' | 'İ' => {
                clues.strong += 1;
                clues.turkic += 1;
            }
            'á' | 'ǵ' | 'ń' | 'ó' | 'ú' | 'ý' | 'í' => {
                clues.strong += 1;
                clues.acute += 1;
            }
            'ı' => clues.strong += 1,
            'ç' => {
                clues.weak += 1;
                clues.turkic += 1;
            }
            'q' if next != Some('u') => clues.weak += 1,
            's' | 'c' if next == Some('h') => clues.digraphs += 1,
            _ => {}
        }
        let apostrophe_next = letters.get(k + 1).is_some_and(|l| is_apostrophe(l.c));
        if apostrophe_next && letter.c.is_ascii() && takes_kazakh_apostrophe(letter.c) {
            let rest: String = letters
                .iter()
                .skip(k + 2)
                .flat_map(|l| l.c.to_lowercase())
                .collect();
            if !is_english_contraction(&rest) {
                clues.weak += 1;
                clues.apostrophes += 1;
            }
        }
    }
    clues
}

/// The Latin spelling of Kazakh a text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spelling {
    Apostrophes2017,
    Acute2018,
    Turkic2021,
}

/// The spelling whose own letters are most frequent; 2018 (the decree most
/// texts and signs use) when nothing tells.
pub(super) fn spelling_of(clues: &LatinClues) -> Spelling {
    let acute = clues.acute + clues.digraphs;
    if clues.turkic > acute && clues.turkic >= clues.apostrophes {
        Spelling::Turkic2021
    } else if clues.apostrophes > acute && clues.apostrophes > clues.turkic {
        Spelling::Apostrophes2017
    } else {
        Spelling::Acute2018
    }
}

fn is_cyrillic_vowel(c: char) -> bool {
    matches!(
        c.to_lowercase().next().unwrap_or(c),
        'а' | 'ә' | 'е' | 'ё' | 'и' | 'о' | 'ө' | 'у' | 'ұ' | 'ү' | 'ы' | 'і' | 'э' | 'ю' | 'я'
    )
}

/// и or й: Kazakh Latin writes both with one letter; after a vowel it is й ("Abaı").
fn i_or_short_i(after_vowel: bool) -> &'static str {
    if after_vowel {
        "й"
    } else {
        "и"
    }
}

/// Writes a Kazakh Latin word in Cyrillic. `emit` receives each output char
/// and the word's chars [start, end) it stands for; anything that is not a
/// Latin letter (digits, hyphens, Cyrillic) passes through unchanged.
pub(super) fn transliterate(
    word: &[char],
    spelling: Spelling,
    emit: &mut dyn FnMut(char, Range<usize>),
) {
    let letters = letters(word);
    let mut after_vowel = false;
    let mut k = 0;
    while let Some(letter) = letters.get(k) {
        let upper = letter.c.is_uppercase();
        let lower = key(letter.c);
        let next = letters.get(k + 1);
        let mut end = letter.end;
        let mut consumed = 1;
        let apostrophe_next = next.is_some_and(|n| is_apostrophe(n.c));
        let h_next = next.is_some_and(|n| key(n.c) == 'h');
        let out: Option<&str> = if spelling == Spelling::Apostrophes2017
            && apostrophe_next
            && letter.c.is_ascii()
            && takes_kazakh_apostrophe(letter.c)
        {
            consumed = 2;
            end = next.map_or(end, |n| n.end);
            Some(match lower {
                'a' => "ә",
                'g' => "ғ",
                'n' => "ң",
                'o' => "ө",
                's' => "ш",
                'c' => "ч",
                'u' => "ү",
                'y' => "у",
                _ => i_or_short_i(after_vowel),
            })
        } else if spelling != Spelling::Turkic2021
            && h_next
            && matches!(lower, 's' | 'c' | 'z' | 'k')
        {
            // 2018 digraphs, and the zh/kh of ASCII approximations ("Zhambyl").
            consumed = 2;
            end = next.map_or(end, |n| n.end);
            Some(match lower {
                's' => "ш",
                'c' => "ч",
                'z' => "ж",
                _ => "х",
            })
        } else {
            single(lower, spelling, after_vowel)
        };
        match out {
            Some(text) => {
                for (n, c) in text.chars().enumerate() {
                    let c = if upper && n == 0 {
                        c.to_uppercase().next().unwrap_or(c)
                    } else {
                        c
                    };
                    emit(c, letter.start..end);
                }
                after_vowel = text.chars().last().is_some_and(is_cyrillic_vowel);
            }
            None => {
                for (offset, c) in word.iter().enumerate().take(letter.end).skip(letter.start) {
                    emit(*c, offset..offset + 1);
                }
                after_vowel = is_cyrillic_vowel(letter.c);
            }
        }
        k += consumed;
    }
}

/// One Latin letter in Cyrillic, or `None` for anything else.
fn single(lower: char, spelling: Spelling, after_vowel: bool) -> Option<&'static str> {
    let turkic = spelling == Spelling::Turkic2021;
    Some(match lower {
        'a' | 'à' | 'â' => "а",
        'b' => "б",
        'c' => "ц",
        'd' => "д",
        'e' | 'é' | 'è' | 'ê' | 'ë' => "е",
        'f' => "ф",
        'g' => "г",
        'h' => "х",
        'j' => "ж",
        'k' => "к",
        'l' => "л",
        'm' => "м",
        'n' => "н",
        'o' | 'ô' => "о",
        'p' => "п",
        'q' => "қ",
        'r' => "р",
        's' => "с",
        't' => "т",
        'v' => "в",
        'w' => "у",
        'x' => "кс",
        'z' => "з",
        'y' => "ы",
        'ä' | 'á' => "ә",
        'ğ' | 'ǵ' => "ғ",
        'ñ' | 'ń' | 'ŋ' => "ң",
        'ö' | 'ó' => "ө",
        'ş' => "ш",
        'ç' => "ч",
        'ū' => "ұ",
        'ü' | 'ú' => "ү",
        'ý' | 'û' => "у",
        'u' if turkic => "у",
        'u' => "ұ",
        'I' => "і",
        'i' if turkic => i_or_short_i(after_vowel),
        'i' => "і",
        'ı' if turkic => "і",
        'ı' | 'í' | 'İ' | 'î' | 'ï' => i_or_short_i(after_vowel),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cyrillic(text: &str, spelling: Spelling) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        transliterate(&chars, spelling, &mut |c, _| out.push(c));
        out
    }

    fn clues_of(text: &str) -> LatinClues {
        clues(&text.chars().collect::<Vec<_>>())
    }

    #[test]
    fn each_spelling_reads_as_its_decree_says() {
        assert_eq!(cyrillic("Abaı", Spelling::Acute2018), "Абай");
        assert_eq!(cyrillic("Qunanbaıuly", Spelling::Acute2018), "Құнанбайұлы");
        assert_eq!(
            cyrillic("Respýblıkasy", Spelling::Acute2018),
            "Республикасы"
        );
        assert_eq!(cyrillic("Qazaqstan", Spelling::Acute2018), "Қазақстан");
        assert_eq!(cyrillic("Shyǵys", Spelling::Acute2018), "Шығыс");
        assert_eq!(
            cyrillic("Respy'bli'kasy", Spelling::Apostrophes2017),
            "Республикасы"
        );
        assert_eq!(cyrillic("a'lem", Spelling::Apostrophes2017), "әлем");
        assert_eq!(cyrillic("menin'", Spelling::Apostrophes2017), "менің");
        assert_eq!(cyrillic("Älem", Spelling::Turkic2021), "Әлем");
        assert_eq!(cyrillic("Būryñğy", Spelling::Turkic2021), "Бұрыңғы");
        assert_eq!(cyrillic("kısı", Spelling::Turkic2021), "кісі");
        assert_eq!(cyrillic("söilesıp", Spelling::Turkic2021), "сөйлесіп");
        assert_eq!(cyrillic("danyşpan", Spelling::Turkic2021), "данышпан");
    }

    #[test]
    fn decomposed_letters_are_read_as_composed() {
        assert_eq!(cyrillic("A\u{308}lem", Spelling::Turkic2021), "Әлем");
        let chars: Vec<char> = "A\u{308}l".chars().collect();
        let mut spans = Vec::new();
        transliterate(&chars, Spelling::Turkic2021, &mut |c, r| spans.push((c, r)));
        assert_eq!(spans, [('Ә', 0..2), ('л', 2..3)]);
    }

    #[test]
    fn clues_tell_kazakh_latin_from_english() {
        assert_eq!(clues_of("Abai"), LatinClues::default());
        assert!(clues_of("Älem").strong > 0);
        assert!(clues_of("Abaı").strong > 0);
        assert_eq!(clues_of("Qazaqstan").weak, 2);
        assert_eq!(clues_of("Iraq").weak, 1);
        assert_eq!(clues_of("queen").weak, 0);
        assert_eq!(clues_of("don't").weak, 0);
        assert_eq!(clues_of("I'm").weak, 0);
        assert_eq!(clues_of("you're").weak, 0);
        assert_eq!(clues_of("Respy'bli'kasy").apostrophes, 2);
    }

    #[test]
    fn spelling_follows_the_letters_used() {
        let mut turkic = clues_of("Būryñğy");
        turkic.add(clues_of("kısı"));
        assert_eq!(spelling_of(&turkic), Spelling::Turkic2021);
        assert_eq!(spelling_of(&clues_of("Qunanbaıuly")), Spelling::Acute2018);
        assert_eq!(
            spelling_of(&clues_of("Respy'bli'kasy")),
            Spelling::Apostrophes2017
        );
        assert_eq!(spelling_of(&clues_of("Shyǵys")), Spelling::Acute2018);
    }
}
