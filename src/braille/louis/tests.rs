//! Against the real liblouis 3.24 (apt: liblouis-dev liblouis-data).
//!
//! Expected cells come from liblouis's command-line tool, not from this
//! module, run once by hand (liblouis-bin 3.24.0):
//!
//! ```sh
//! echo "TEXT" | lou_translate dot9.dis,unicode.dis,TABLE
//! ```
//!
//! `dot9.dis` is a display table written for the purpose: for each of the
//! 256 patterns, `display \x28NN <dots>9`, so a pattern with virtual dot 9
//! prints as the same Unicode cell without it (the tool otherwise prints the
//! letter itself for kk.utb's dot-9 patterns). Listed first, it wins over
//! the tables' own display rules. For English, `unicode.dis,TABLE` suffices.

use std::path::Path;

use super::*;
use crate::config::data::DataDir;

fn repo() -> Vec<DataDir> {
    vec![DataDir::tree(Path::new(env!("CARGO_MANIFEST_DIR")))]
}

fn kk() -> String {
    tables_for(Lang::Kk, Grade::Uncontracted, &repo()).expect("kk-oqu.utb in devices/tables")
}

/// Unicode braille as cells, so expected values read like `lou_translate` output.
fn cells(unicode: &str) -> Vec<u8> {
    unicode
        .chars()
        .map(|c| u8::try_from(c as u32 - 0x2800).expect("a braille pattern"))
        .collect()
}

/// Dot numbers as typed on a braille keyboard: "1456-1-1356".
fn dots(typed: &str) -> Vec<u8> {
    typed
        .split('-')
        .map(|cell| {
            cell.chars()
                .filter(|&d| d != '0')
                .map(|d| 1u8 << (d.to_digit(10).expect("a dot number") - 1))
                .sum()
        })
        .collect()
}

fn tr(tables: &str, text: &str) -> Translation {
    translate(tables, text, None, Options::default()).expect("translates")
}

const KK_SENTENCE: &str = "кітапхана бүгін ашық. қазақ тілі";
// echo "кітапхана бүгін ашық. қазақ тілі" | lou_translate dot9.dis,unicode.dis,kk.utb
// (the same with devices/tables/kk-oqu.utb)
const KK_CELLS: &str = "⠅⠽⠞⠁⠏⠓⠁⠝⠁⠀⠃⠌⠛⠽⠝⠀⠁⠱⠮⠹⠲⠀⠹⠁⠵⠁⠹⠀⠞⠽⠇⠽";

#[test]
fn liblouis_is_3_x_with_32_bit_widechar() {
    // lock() checks lou_charSize() == 4 on first use; version() goes through it.
    let version = version().expect("liblouis usable");
    assert!(version.starts_with("3."), "{version}");
}

#[test]
fn kazakh_sentence_gives_the_cells_of_kk_utb_without_dot_9() {
    let t = tr(&kk(), KK_SENTENCE);
    assert_eq!(t.unicode(), KK_CELLS);
    assert_eq!(t.cells, cells(KK_CELLS));
    // қ is kk.utb's 14569: dot 9 dropped leaves 1456.
    assert_eq!(t.cells[19], dots("1456")[0]);
    // Letters are one cell each here, so the maps are the identity.
    let identity: Vec<usize> = (0..KK_SENTENCE.chars().count()).collect();
    assert_eq!(t.cell_to_char, identity);
    assert_eq!(t.char_to_cell, identity);
}

#[test]
fn kazakh_fix_table_translates_forward_exactly_as_kk_utb() {
    let ours = kk();
    for text in [
        KK_SENTENCE,
        "Кітапхана бүгін ашық. Қазақ тілі — 2024 жыл.",
        "ӘҒҚҢӨҰҮҺІ әғқңөұүһі",
        "Әже, Ғалым, Қасым, Ңң, Өнер, Ұлы, Үй, Һ, Ілияс.",
        "5Қ 5ҚАЗАҚ (қазақ) [ұлы] {үй} \"сөз\" «сөз» 1/2 § # @ y x+y=z",
        "ABC Қазақ (кітап) hello world Алматы-2024!",
    ] {
        assert_eq!(tr(&ours, text), tr("kk.utb", text), "{text}");
    }
}

#[test]
fn russian_sentence_cells_and_lost_capitals() {
    // echo "Библиотека открыта до 18 часов." | lou_translate dot9.dis,unicode.dis,ru-litbrl.ctb
    let expected = "⠃⠊⠃⠇⠊⠕⠞⠑⠅⠁⠀⠕⠞⠅⠗⠮⠞⠁⠀⠙⠕⠀⠼⠁⠓⠀⠟⠁⠎⠕⠺⠲";
    let ru = tables_for(Lang::Ru, Grade::Uncontracted, &repo()).expect("bare name");
    assert_eq!(ru, "ru-litbrl.ctb");
    let t = tr(&ru, "Библиотека открыта до 18 часов.");
    assert_eq!(t.unicode(), expected);
    // No capital sign in Russian literary braille.
    assert_eq!(tr(&ru, "библиотека открыта до 18 часов.").cells, t.cells);
    assert_eq!(
        back_translate(&ru, &t.cells).expect("back"),
        "библиотека открыта до 18 часов."
    );
    // "до 18": д19 о20 _21 1(22) 8(23) → ⠙19 ⠕20 ⠀21 ⠼22 ⠁23 ⠓24. The number
    // sign maps to the first digit, and the digit begins at the sign.
    assert_eq!(&t.cell_to_char[21..25], &[21, 22, 22, 23]);
    assert_eq!(&t.char_to_cell[21..24], &[21, 22, 24]);
}

#[test]
fn english_uncontracted_sentence() {
    // echo "The library opens at 9." | lou_translate unicode.dis,en-ueb-g1.ctb
    let expected = "⠠⠞⠓⠑⠀⠇⠊⠃⠗⠁⠗⠽⠀⠕⠏⠑⠝⠎⠀⠁⠞⠀⠼⠊⠲";
    let en = tables_for(Lang::En, Grade::Uncontracted, &repo()).expect("bare name");
    let t = tr(&en, "The library opens at 9.");
    assert_eq!(t.unicode(), expected);
    // The capital sign belongs to the T.
    assert_eq!(&t.cell_to_char[..3], &[0, 0, 1]);
    assert_eq!(&t.char_to_cell[..2], &[0, 2]);
}

#[test]
fn english_contracted_maps_contractions_to_the_word_start() {
    // echo "The cat and the dog." | lou_translate unicode.dis,en-ueb-g2.ctb
    let expected = "⠠⠮⠀⠉⠁⠞⠀⠯⠀⠮⠀⠙⠕⠛⠲";
    let text = "The cat and the dog.";
    let en = tables_for(Lang::En, Grade::Contracted, &repo()).expect("bare name");
    assert_eq!(en, "en-ueb-g2.ctb");
    let t = tr(&en, text);
    assert_eq!(t.unicode(), expected);
    // Cells: ⠠0 ⠮1 ⠀2 ⠉3 ⠁4 ⠞5 ⠀6 ⠯7 ⠀8 ⠮9 ⠀10 ⠙11 ⠕12 ⠛13 ⠲14
    // Chars: T0 h1 e2 _3 c4 a5 t6 _7 a8 n9 d10 _11 t12 h13 e14 _15 d16 …
    assert_eq!(t.cell_to_char[1], 0, "\"The\" → first char");
    assert_eq!(t.cell_to_char[7], 8, "\"and\" → its a");
    assert_eq!(t.cell_to_char[9], 12, "\"the\" → its t");
    assert_eq!(&t.char_to_cell[8..11], &[7, 7, 7], "each letter of \"and\"");
    // Every letter of "The" begins at the capital sign that opens the word.
    assert_eq!(&t.char_to_cell[0..4], &[0, 0, 0, 2]);
    assert_eq!(t.char_to_cell.len(), text.chars().count());
    assert!(
        t.char_to_cell.windows(2).all(|w| w[0] <= w[1]),
        "{:?}",
        t.char_to_cell
    );
    assert!(
        t.cell_to_char.windows(2).all(|w| w[0] <= w[1]),
        "{:?}",
        t.cell_to_char
    );
    assert_eq!(
        back_translate(&en, &t.cells).expect("back"),
        "The cat and the dog."
    );
}

#[test]
fn cursor_maps_to_its_cell() {
    let text = "The cat and the dog.";
    let at = |cursor, options| {
        translate("en-ueb-g2.ctb", text, Some(cursor), options)
            .expect("translates")
            .cursor_cell
    };
    assert_eq!(at(9, Options::default()), Some(7), "inside \"and\"");
    assert_eq!(at(4, Options::default()), Some(3), "on the c of cat");
    assert_eq!(at(0, Options::default()), Some(0), "on the capital T");
    assert_eq!(at(20, Options::default()), Some(15), "after the text");
    assert_eq!(tr("en-ueb-g2.ctb", text).cursor_cell, None);

    // Kazakh: the қ of "ашық" is char 19 and cell 19.
    let t = translate(&kk(), KK_SENTENCE, Some(19), Options::default()).expect("kk");
    assert_eq!(t.cursor_cell, Some(19));

    let err = translate("en-ueb-g2.ctb", text, Some(21), Options::default()).unwrap_err();
    assert_eq!(
        err,
        LouisError::Cursor {
            cursor: 21,
            len: 20
        }
    );
}

#[test]
fn word_at_cursor_can_be_spelt_out() {
    let text = "The cat and the dog.";
    let options = Options {
        expand_word_at_cursor: true,
        ..Options::default()
    };
    let t = translate("en-ueb-g2.ctb", text, Some(9), options).expect("translates");
    // "and" letter by letter (1 1345 145), the rest still contracted.
    assert_eq!(t.unicode(), "⠠⠮⠀⠉⠁⠞⠀⠁⠝⠙⠀⠮⠀⠙⠕⠛⠲");
    assert_eq!(t.cursor_cell, Some(8));

    let none = Options {
        no_contractions: true,
        ..Options::default()
    };
    let t = translate("en-ueb-g2.ctb", text, None, none).expect("translates");
    assert_eq!(t.unicode(), "⠠⠞⠓⠑⠀⠉⠁⠞⠀⠁⠝⠙⠀⠞⠓⠑⠀⠙⠕⠛⠲");
}

#[test]
fn typed_kazakh_cells_back_translate_to_kazakh_letters() {
    let ours = kk();
    // Each letter as typed, without dot 9.
    for (typed, letter) in [
        ("345", "ә"),
        ("12456", "ғ"),
        ("1456", "қ"),
        ("146", "ң"),
        ("126", "ө"),
        ("346", "ұ"),
        ("34", "ү"),
        ("1236", "һ"),
        ("13456", "і"),
    ] {
        assert_eq!(
            back_translate(&ours, &dots(typed)).expect("back"),
            letter,
            "{typed}"
        );
    }
    // "қазақ тілі" typed: қ а з а қ _ т і л і
    let typed = dots("1456-1-1356-1-1456-0-2345-13456-123-13456");
    assert_eq!(back_translate(&ours, &typed).expect("back"), "қазақ тілі");
    // The whole sentence round-trips through physical cells.
    let sentence = tr(&ours, KK_SENTENCE).cells;
    assert_eq!(back_translate(&ours, &sentence).expect("back"), KK_SENTENCE);
    // A capital after a digit is marked (45) and comes back as one.
    let t = tr(&ours, "5Қ");
    assert_eq!(t.unicode(), "⠼⠑⠘⠹");
    assert_eq!(back_translate(&ours, &t.cells).expect("back"), "5Қ");
    // Why the fix table exists: kk.utb alone does not know these cells.
    assert_eq!(
        back_translate("kk.utb", &sentence).expect("back"),
        "кyтапхана б\\34/гyн ашы#. #аза# тyлy"
    );
}

#[test]
fn blank_cells_and_empty_input() {
    assert_eq!(
        back_translate("en-ueb-g1.ctb", &[0, 0]).expect("back"),
        "  "
    );
    assert_eq!(back_translate("en-ueb-g1.ctb", &[]).expect("back"), "");
    let t = translate("en-ueb-g1.ctb", "", Some(0), Options::default()).expect("empty");
    assert_eq!(
        t,
        Translation {
            cursor_cell: Some(0),
            ..Translation::default()
        }
    );
}

#[test]
fn nul_characters_do_not_cut_the_text() {
    let t = tr("en-ueb-g1.ctb", "a\0b");
    assert_eq!(t.unicode(), "⠁⠀⠃");
    assert_eq!(t.char_to_cell, [0, 1, 2]);
}

#[test]
fn input_longer_than_the_limit_is_refused() {
    let long = "а".repeat(MAX_CHARS + 1);
    let err = translate(&kk(), &long, None, Options::default()).unwrap_err();
    assert_eq!(
        err,
        LouisError::TooLong {
            got: MAX_CHARS + 1,
            max: MAX_CHARS
        }
    );
    let err = back_translate(&kk(), &vec![1; MAX_CHARS + 1]).unwrap_err();
    assert!(matches!(err, LouisError::TooLong { .. }), "{err}");
    // At the limit, and longer in braille ("Ab " → ⠠⠁⠃⠀): the output grows.
    let text = format!("{}A", "Ab ".repeat(MAX_CHARS / 3));
    assert_eq!(text.chars().count(), MAX_CHARS);
    let t = tr("en-ueb-g1.ctb", &text);
    assert_eq!(t.char_to_cell.len(), MAX_CHARS);
    assert_eq!(t.cells.len(), MAX_CHARS / 3 * 4 + 2);
    assert_eq!(t.char_to_cell[MAX_CHARS - 1], MAX_CHARS / 3 * 4);
    // Undefined 8-dot cells come back as escapes ("\78/"), longer than the
    // first output buffer: back-translation grows it and retries.
    let text = back_translate("en-ueb-g1.ctb", &[0xc0; 1000]).expect("back");
    assert_eq!(text, "\\78/".repeat(1000));
    // Emoji are undefined: each becomes an escape several cells long.
    let t = tr("en-ueb-g2.ctb", &"😀".repeat(4000));
    assert!(t.cells.len() > 4 * 4000, "{}", t.cells.len());
}

#[test]
fn bad_table_names_give_clear_errors() {
    let err = check_table("no-such-table.utb").unwrap_err();
    match &err {
        LouisError::Table { tables, detail } => {
            assert_eq!(tables, "no-such-table.utb");
            assert!(detail.contains("no-such-table.utb"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    let err = translate("no-such-table.utb", "text", None, Options::default()).unwrap_err();
    assert!(matches!(err, LouisError::Table { .. }), "{err:?}");
    let err = back_translate("en-ueb-g1.ctb,no-such-table.utb", &[1]).unwrap_err();
    assert!(matches!(err, LouisError::Table { .. }), "{err:?}");
    for bad in ["", "en-ueb-g1.ctb,", "a\0b"] {
        let err = check_table(bad).unwrap_err();
        assert!(
            matches!(err, LouisError::TableList { .. }),
            "{bad:?}: {err:?}"
        );
    }
    let err = check_table(&"x".repeat(2000)).unwrap_err();
    assert!(matches!(err, LouisError::TableList { .. }), "{err:?}");
    // A file that is not a table.
    let err = check_table(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap_err();
    assert!(matches!(err, LouisError::Table { .. }), "{err:?}");
    // Users read it in their language, subject first.
    let msg = err.msg();
    assert!(msg.render(Lang::Kk).starts_with("Брайль кестесі"));
    assert!(msg.render(Lang::Ru).starts_with("Брайлевская таблица"));
    assert!(msg.render(Lang::En).starts_with("Braille table refused"));
    assert!(check_table(&kk()).is_ok());
    assert!(check_table("en-ueb-g2.ctb").is_ok());
}

#[test]
fn own_tables_are_found_on_the_search_path_last_one_winning() {
    let first = tempfile::tempdir().expect("tempdir");
    let second = tempfile::tempdir().expect("tempdir");
    let search = vec![DataDir::tree(first.path()), DataDir::tree(second.path())];
    let err = tables_for(Lang::Kk, Grade::Uncontracted, &search).unwrap_err();
    assert!(matches!(err, LouisError::TableMissing { .. }), "{err:?}");
    assert!(err.msg().render(Lang::En).contains("kk-oqu.utb"));
    for dir in [first.path(), second.path()] {
        let tables = dir.join("devices/tables");
        std::fs::create_dir_all(&tables).expect("mkdir");
        std::fs::write(tables.join(KAZAKH_TABLE), "include kk.utb\n").expect("write");
    }
    let found = tables_for(Lang::Kk, Grade::Contracted, &search).expect("found");
    assert!(
        found.starts_with(&second.path().display().to_string()),
        "{found}"
    );
    // kk.utb is included from liblouis's own directory.
    assert!(check_table(&found).is_ok());
    assert!(!has_contracted(Lang::Kk) && !has_contracted(Lang::Ru) && has_contracted(Lang::En));
}

#[test]
fn forgetting_tables_reloads_them() {
    let before = tr(&kk(), KK_SENTENCE);
    forget_tables().expect("lou_free");
    assert_eq!(tr(&kk(), KK_SENTENCE), before);
}

#[test]
fn threads_share_liblouis_safely() {
    let kk = kk();
    let expected = tr(&kk, KK_SENTENCE);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let kk = kk.clone();
            std::thread::spawn(move || (0..50).map(|_| tr(&kk, KK_SENTENCE)).collect::<Vec<_>>())
        })
        .collect();
    for handle in handles {
        for t in handle.join().expect("thread") {
            assert_eq!(t, expected);
        }
    }
}

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const POOL: &[&str] = &[
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
    "әғқңөұүһіӘҒҚҢӨҰҮҺІ",
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    " .,;:!?-—–()[]{}«»\"'/\\@#$%^&*_+=<>|~`№§",
    "😀👍🏽🇰🇿€₸",
    "\u{301}\u{308}\u{306}\u{200d}\u{fe0f}",
    "\n\t\r\u{a0}\u{ad}\u{0}\u{7f}\u{ffff}\u{10ffff}",
];

fn random_text(rng: &mut Rng) -> String {
    let pools: Vec<Vec<char>> = POOL.iter().map(|p| p.chars().collect()).collect();
    let len = rng.below(40);
    (0..len)
        .map(|_| {
            let pool = &pools[rng.below(pools.len())];
            pool[rng.below(pool.len())]
        })
        .collect()
}

#[test]
fn random_text_never_panics_and_keeps_the_maps_consistent() {
    let tables = [
        kk(),
        "ru-litbrl.ctb".into(),
        "en-ueb-g1.ctb".into(),
        "en-ueb-g2.ctb".into(),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let text = random_text(&mut rng);
        let table = &tables[round % tables.len()];
        let len = text.chars().count();
        let cursor = (rng.below(3) > 0).then(|| rng.below(len + 1));
        let options = Options {
            expand_word_at_cursor: rng.below(4) == 0,
            no_contractions: rng.below(4) == 0,
        };
        let t = translate(table, &text, cursor, options)
            .unwrap_or_else(|e| panic!("{table} {text:?} {cursor:?}: {e}"));
        assert_eq!(t.cell_to_char.len(), t.cells.len(), "{text:?}");
        assert_eq!(t.char_to_cell.len(), len, "{text:?}");
        assert!(t.cell_to_char.iter().all(|&c| c < len.max(1)), "{text:?}");
        assert!(
            t.char_to_cell.iter().all(|&c| c < t.cells.len().max(1)),
            "{text:?}"
        );
        assert!(t.char_to_cell.windows(2).all(|w| w[0] <= w[1]), "{text:?}");
        assert!(t.cell_to_char.windows(2).all(|w| w[0] <= w[1]), "{text:?}");
        assert_eq!(t.cursor_cell.is_some(), cursor.is_some(), "{text:?}");
        assert!(t.cursor_cell.is_none_or(|c| c <= t.cells.len()), "{text:?}");
        back_translate(table, &t.cells).unwrap_or_else(|e| panic!("{table} {text:?}: {e}"));
        // Any 8-dot cells, as a keyboard could type.
        let typed: Vec<u8> = (0..rng.below(30)).map(|_| rng.next() as u8).collect();
        back_translate(table, &typed).unwrap_or_else(|e| panic!("{table} {typed:?}: {e}"));
    }
}

#[test]
fn output_buffer_growth_is_bounded() {
    assert_eq!(first_capacity(0), 64);
    let mut capacity = first_capacity(10);
    let mut steps = 0;
    while let Some(next) = grow(capacity, 10) {
        assert!(next > capacity);
        capacity = next;
        steps += 1;
    }
    assert_eq!(capacity, 16 * 10 + 1024);
    assert!(steps < 8);
}
