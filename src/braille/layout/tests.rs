//! Against the real liblouis tables. Expected cells are cut from
//! `louis::translate` of the same text (whose own tests pin them to
//! `lou_translate`), so these tests say where lines break, not what the
//! tables give.

use std::path::Path;

use super::*;
use crate::braille::louis::{tables_for, translate, Options};
use crate::config::data::DataDir;
use crate::i18n::Lang;

const RU: &str = "ru-litbrl.ctb";
const EN_G1: &str = "en-ueb-g1.ctb";
const EN_G2: &str = "en-ueb-g2.ctb";

const KK_SENTENCE: &str = "кітапхана бүгін ашық. қазақ тілі";
const KK_PARAGRAPH: &str = "Алматыдағы Ұлттық кітапхана бүгін сағат тоғызда ашылады. \
    Зағип оқырмандар брайль дисплейі арқылы кітаптарды өздері оқи алады, ал кеңесшілер \
    қажет кезде көмектеседі. Кітапханада қазақ, орыс және ағылшын тілдеріндегі 2024 \
    жылғы жаңа кітаптар бар.";
const RU_PARAGRAPH: &str = "Библиотека для незрячих читателей открыта ежедневно с девяти \
    утра до шести вечера. Читатели могут брать книги, напечатанные шрифтом Брайля, слушать \
    аудиокниги и работать за брайлевскими дисплеями в читальном зале. Справки по телефону \
    8 727 123 45 67.";
const EN_PARAGRAPH: &str = "The library opens at nine in the morning and closes at six in \
    the evening. Readers who are blind can borrow books in braille, listen to recorded books, \
    and use the braille displays in the reading room. If you need help with a display, ask \
    the staff at the front desk, and they will show you how to find a book and read it.";

fn repo() -> Vec<DataDir> {
    vec![DataDir::tree(Path::new(env!("CARGO_MANIFEST_DIR")))]
}

fn kk() -> String {
    tables_for(Lang::Kk, Grade::Uncontracted, &repo()).expect("kk-oqu.utb in devices/tables")
}

fn tr(tables: &str, text: &str) -> Translation {
    translate(tables, text, None, Options::default()).expect("translates")
}

fn try_layout(
    tables: &str,
    text: &str,
    cursor: Option<usize>,
    width: usize,
) -> Result<Layout, LayoutError> {
    let show = ShowText {
        text,
        tables,
        grade: Grade::Contracted,
        cursor,
    };
    Layout::new(&show, width)
}

fn layout(tables: &str, text: &str, cursor: Option<usize>, width: usize) -> Layout {
    try_layout(tables, text, cursor, width)
        .unwrap_or_else(|e| panic!("{tables} {text:?} {cursor:?} {width}: {e}"))
}

fn padded(cells: &[u8], width: usize) -> Vec<u8> {
    let mut row = cells.to_vec();
    row.resize(width, 0);
    row
}

fn padded_offsets(offsets: &[usize], width: usize) -> Vec<Option<usize>> {
    let mut row: Vec<Option<usize>> = offsets.iter().copied().map(Some).collect();
    row.resize(width, None);
    row
}

fn cells_of(layout: &Layout) -> Vec<Vec<u8>> {
    layout.lines().iter().map(|l| l.cells.clone()).collect()
}

/// The first cell of the character at `offset` or after it (a character
/// may have no cells: `char_to_cell` then points back at the cells before).
fn first_cell_from(t: &Translation, offset: usize) -> usize {
    t.cell_to_char.partition_point(|&c| c < offset)
}

fn is_break(c: char) -> bool {
    char_kind(c) != CharKind::Other
}

/// Every line after the first begins right after a space or newline of the
/// text, none begins with a space, and each ends only because the next
/// word would not fit (the paragraphs have no word longer than the display).
fn assert_wraps_at_spaces(layout: &Layout, text: &str) {
    let chars: Vec<char> = text.chars().collect();
    let t = layout.translation();
    let width = layout.width();
    let cell_at = |offset: usize| first_cell_from(t, offset);
    let lines = layout.lines();
    for (index, line) in lines.iter().enumerate() {
        let shown: Vec<usize> = line.offsets.iter().flatten().copied().collect();
        let Some(&first) = shown.first() else {
            continue;
        };
        assert!(!is_break(chars[first]), "line {index} begins with a space");
        if index > 0 {
            assert!(
                is_break(chars[first - 1]),
                "line {index} begins inside a word: {:?}",
                &chars[first.saturating_sub(5)..first]
            );
        }
        let Some(next) = lines.get(index + 1) else {
            continue;
        };
        let Some(next_first) = next.offsets.iter().flatten().copied().next() else {
            continue;
        };
        if chars[next_first - 1] == '\n' {
            continue;
        }
        // Greedy: the next word would not have fitted after one space.
        let used = line
            .offsets
            .iter()
            .rposition(|o| o.is_some_and(|o| !is_break(chars[o])))
            .map_or(0, |p| p + 1);
        let word_end = (next_first..chars.len())
            .find(|&o| is_break(chars[o]))
            .unwrap_or(chars.len());
        let word_cells = cell_at(word_end) - cell_at(next_first);
        assert!(
            used + 1 + word_cells > width,
            "line {index} ({used} cells) had room for the next word ({word_cells} cells)"
        );
    }
    // Nothing is lost: every character that is not a space is shown.
    let shown: std::collections::BTreeSet<usize> = lines
        .iter()
        .flat_map(|l| l.offsets.iter().flatten().copied())
        .collect();
    let first_of_group = |o: usize| t.cell_to_char[t.char_to_cell[o]];
    for (offset, &c) in chars.iter().enumerate() {
        if !is_break(c) {
            assert!(
                shown.contains(&first_of_group(offset)),
                "{c:?} at {offset} is not shown"
            );
        }
    }
}

#[test]
fn contracted_english_short_case_gives_exact_lines() {
    let text = "The cat and the dog.";
    let t = tr(EN_G2, text);
    assert_eq!(t.unicode(), "⠠⠮⠀⠉⠁⠞⠀⠯⠀⠮⠀⠙⠕⠛⠲");
    // Cells: ⠠⠮(The) ⠀ ⠉⠁⠞ ⠀ ⠯(and) ⠀8 ⠮(the) ⠀ ⠙⠕⠛⠲.
    // "The cat and" fills 8 cells; the space after it goes with the break.
    let l = layout(EN_G2, text, None, 8);
    assert_eq!(
        cells_of(&l),
        [t.cells[0..8].to_vec(), padded(&t.cells[9..15], 8)]
    );
    assert_eq!(
        l.lines()[0].offsets,
        padded_offsets(&t.cell_to_char[0..8], 8)
    );
    assert_eq!(
        l.lines()[1].offsets,
        padded_offsets(&t.cell_to_char[9..15], 8)
    );
    assert_eq!(l.current(), 0);

    // One cell wider: the break space fits at the end of the first line,
    // blank as padding but routable; the next line still starts with "the".
    let l = layout(EN_G2, text, None, 9);
    assert_eq!(
        cells_of(&l),
        [t.cells[0..9].to_vec(), padded(&t.cells[9..15], 9)]
    );
    assert_eq!(l.route(0, 8), Some(11), "the space after \"and\"");

    // Uncontracted, the same table spells every word out.
    let show = ShowText {
        text,
        tables: EN_G2,
        grade: Grade::Uncontracted,
        cursor: None,
    };
    let l = Layout::new(&show, 40).expect("lays out");
    assert_eq!(
        louis::cells_to_unicode(&l.lines()[0].cells).trim_end_matches('⠀'),
        "⠠⠞⠓⠑⠀⠉⠁⠞⠀⠁⠝⠙⠀⠞⠓⠑⠀⠙⠕⠛⠲"
    );
}

#[test]
fn routing_in_contracted_english_gives_offsets_in_the_callers_text() {
    let text = "The cat and the dog.";
    let chars: Vec<char> = text.chars().collect();
    let l = layout(EN_G2, text, None, 8);
    // ⠯ ("and") is cell 7 of the first line: its "a" is char 8.
    assert_eq!(l.lines()[0].cells[7], tr(EN_G2, "and").cells[0]);
    assert_eq!(l.route(0, 7), Some(8));
    assert_eq!(chars[8..11].iter().collect::<String>(), "and");
    // Both cells of "The" (capital sign and ⠮) give its T.
    assert_eq!(l.route(0, 0), Some(0));
    assert_eq!(l.route(0, 1), Some(0));
    assert_eq!(l.route(0, 3), Some(4), "c of cat");
    // After panning: ⠮ ("the") opens the second line and gives its t.
    assert_eq!(l.route(1, 0), Some(12));
    assert_eq!(l.route(1, 2), Some(16), "d of dog");
    assert_eq!(l.route(1, 5), Some(19), "the full stop");
    assert_eq!(l.route(1, 6), None, "padding");
    assert_eq!(l.route(1, 8), None, "past the display");
    assert_eq!(l.route(2, 0), None, "no such line");
}

#[test]
fn kazakh_short_case_gives_exact_lines() {
    let t = tr(&kk(), KK_SENTENCE);
    // One cell per letter here: кітапхана0-8 ⠀9 бүгін10-14 ⠀15 ашық.16-20
    // ⠀21 қазақ22-26 ⠀27 тілі28-31.
    assert_eq!(t.cells.len(), 32);
    let l = layout(&kk(), KK_SENTENCE, None, 12);
    assert_eq!(
        cells_of(&l),
        [
            padded(&t.cells[0..10], 12),
            t.cells[10..22].to_vec(),
            padded(&t.cells[22..32], 12),
        ]
    );
    let identity: Vec<usize> = (10..22).collect();
    assert_eq!(l.lines()[1].offsets, padded_offsets(&identity, 12));
    assert_wraps_at_spaces(&l, KK_SENTENCE);
}

#[test]
fn kazakh_paragraph_wraps_at_spaces() {
    let tables = kk();
    for width in [12, 20, 32, 40, 80] {
        let l = layout(&tables, KK_PARAGRAPH, None, width);
        assert_wraps_at_spaces(&l, KK_PARAGRAPH);
        check_invariants(&l, KK_PARAGRAPH, None);
    }
    let l = layout(&tables, KK_PARAGRAPH, None, 40);
    assert!(l.lines().len() >= 5, "{}", l.lines().len());
    // The Kazakh letters keep their cells (dot 9 dropped, as louis does).
    let t = tr(&tables, KK_PARAGRAPH);
    let shown: Vec<u8> = l
        .lines()
        .iter()
        .flat_map(|line| line.cells.iter().copied())
        .filter(|&c| c != 0)
        .collect();
    let translated: Vec<u8> = t.cells.iter().copied().filter(|&c| c != 0).collect();
    assert_eq!(shown, translated);
}

#[test]
fn russian_short_case_and_paragraph() {
    let text = "Библиотека открыта до 18 часов.";
    let t = tr(RU, text);
    // Библиотека0-9 ⠀10 открыта11-17 ⠀18 до19-20 ⠀21 ⠼⠁⠓22-24 ⠀25 часов.26-31
    assert_eq!(t.unicode(), "⠃⠊⠃⠇⠊⠕⠞⠑⠅⠁⠀⠕⠞⠅⠗⠮⠞⠁⠀⠙⠕⠀⠼⠁⠓⠀⠟⠁⠎⠕⠺⠲");
    let l = layout(RU, text, None, 12);
    assert_eq!(
        cells_of(&l),
        [
            padded(&t.cells[0..11], 12),
            padded(&t.cells[11..22], 12),
            padded(&t.cells[22..32], 12),
        ]
    );
    // The number sign routes to the first digit.
    assert_eq!(l.route(2, 0), Some(22));
    assert_eq!(l.route(2, 1), Some(22));
    assert_eq!(l.route(2, 2), Some(23));
    assert_wraps_at_spaces(&l, text);

    // Russian braille drops the space after a comma: the line still breaks
    // there, and where both words fit they stay joined, as liblouis gives.
    let text = "брать книги, напечатанные шрифтом";
    let t = tr(RU, text);
    // брать0-4 ⠀5 книги,6-11 напечатанные12-23 ⠀24 шрифтом25-31
    assert!(
        !t.cell_to_char.contains(&12),
        "the space after the comma has no cell"
    );
    let l = layout(RU, text, None, 14);
    assert_eq!(
        cells_of(&l),
        [
            padded(&t.cells[0..12], 14),
            padded(&t.cells[12..25], 14),
            padded(&t.cells[25..32], 14),
        ]
    );
    assert_eq!(l.route(1, 0), Some(13), "н of напечатанные");
    assert_eq!(
        cells_of(&layout(RU, text, None, 40)),
        [padded(&t.cells, 40)]
    );

    for width in [14, 20, 40, 80] {
        let l = layout(RU, RU_PARAGRAPH, None, width);
        assert_wraps_at_spaces(&l, RU_PARAGRAPH);
        check_invariants(&l, RU_PARAGRAPH, None);
    }
}

#[test]
fn contracted_english_paragraph_wraps_at_spaces() {
    for width in [12, 20, 40, 80] {
        let l = layout(EN_G2, EN_PARAGRAPH, None, width);
        assert_wraps_at_spaces(&l, EN_PARAGRAPH);
        check_invariants(&l, EN_PARAGRAPH, None);
    }
}

#[test]
fn panning_reaches_the_end_of_a_long_paragraph_and_comes_back() {
    assert!(EN_PARAGRAPH.chars().count() >= 300);
    let last_char = EN_PARAGRAPH.chars().count() - 1;
    for tables in [EN_G2, EN_G1] {
        let mut l = layout(tables, EN_PARAGRAPH, None, 40);
        let lines = l.lines().len();
        assert!(lines >= 5, "{tables}: {lines} lines");
        assert_eq!(l.pan_left(), Pan::AtStart);
        assert_eq!(l.current(), 0);
        let mut moves = 0;
        while let Pan::Moved(line) = l.pan_right() {
            moves += 1;
            assert_eq!(line, moves);
            assert_eq!(l.current(), line);
        }
        assert_eq!(moves, lines - 1);
        // The last window shows the full stop at the end.
        assert!(l.shown().offsets.contains(&Some(last_char)));
        assert_eq!(l.line_of_char(last_char), Some(lines - 1));
        assert_eq!(l.pan_right(), Pan::AtEnd, "still at the end");
        assert_eq!(l.current(), lines - 1);
        let mut back = 0;
        while let Pan::Moved(_) = l.pan_left() {
            back += 1;
        }
        assert_eq!(back, lines - 1);
        assert_eq!(l.current(), 0);
        assert_eq!(l.shown().offsets[0], Some(0));
    }
    // Russian too, panning through every window.
    let mut l = layout(RU, RU_PARAGRAPH, None, 40);
    let mut seen = vec![l.current()];
    while let Pan::Moved(line) = l.pan_right() {
        seen.push(line);
    }
    assert_eq!(seen, (0..l.lines().len()).collect::<Vec<_>>());
}

#[test]
fn the_line_of_a_word_follows_speech() {
    for tables in [EN_G2, RU] {
        let text = if tables == RU {
            RU_PARAGRAPH
        } else {
            EN_PARAGRAPH
        };
        let chars: Vec<char> = text.chars().collect();
        let mut l = layout(tables, text, None, 40);
        let starts =
            (0..chars.len()).filter(|&o| !is_break(chars[o]) && (o == 0 || is_break(chars[o - 1])));
        for start in starts {
            let line = l.line_of_char(start).expect("inside the text");
            let shown = l.show_char(start).expect("a line").clone();
            assert_eq!(l.current(), line);
            assert!(
                shown.offsets.contains(&Some(start)),
                "{tables}: word at {start} not on line {line}"
            );
        }
    }
    let l = layout(EN_G2, "The cat and the dog.", None, 8);
    assert_eq!(l.line_of_char(9), Some(0), "the n inside \"and\"");
    assert_eq!(l.line_of_char(10), Some(0));
    assert_eq!(
        l.line_of_char(11),
        Some(0),
        "the break space goes with its line"
    );
    assert_eq!(l.line_of_char(13), Some(1), "the h inside \"the\"");
    assert_eq!(l.line_of_char(20), Some(1), "the end of the text");
    assert_eq!(l.line_of_char(21), None);
    let mut l = l;
    assert!(l.show_char(21).is_none());
    assert!(l.show_line(2).is_none());
    assert_eq!(l.current(), 0, "unchanged");
    assert_eq!(l.show_line(1).map(|line| line.offsets[0]), Some(Some(12)));
    assert_eq!(l.current(), 1);
}

#[test]
fn cursor_shows_on_dots_7_and_8_and_opens_its_line() {
    // Kazakh: қ of "ашық" is char 19, cell 19: on the second line, column 9.
    let tables = kk();
    let t = tr(&tables, KK_SENTENCE);
    let l = layout(&tables, KK_SENTENCE, Some(19), 12);
    assert_eq!(l.cursor(), Some((1, 9)));
    assert_eq!(l.current(), 1, "starts on the cursor's line");
    assert_eq!(l.lines()[1].cells[9], t.cells[19] | CURSOR_DOTS);
    assert_eq!(count_cursor_cells(&l), 1);
    let without = layout(&tables, KK_SENTENCE, None, 12);
    assert_eq!(without.cursor(), None);
    assert_eq!(count_cursor_cells(&without), 0);

    // Contracted: the cursor on the n of "and" is on ⠯.
    let text = "The cat and the dog.";
    let l = layout(EN_G2, text, Some(9), 8);
    assert_eq!(l.cursor(), Some((0, 7)));
    assert_eq!(
        l.lines()[0].cells[7],
        tr(EN_G2, "and").cells[0] | CURSOR_DOTS
    );
    assert_eq!(l.lines()[0].offsets[7], Some(8));

    // At the end of the text: the blank after the last cell.
    let l = layout(EN_G2, text, Some(20), 8);
    assert_eq!(l.cursor(), Some((1, 6)));
    assert_eq!(l.current(), 1);
    assert_eq!(l.lines()[1].cells[6], CURSOR_DOTS);
    assert_eq!(l.lines()[1].offsets[6], None, "not a character of the text");
    // … on a line of its own when the last line is full.
    let l = layout(EN_G1, "abc", Some(3), 3);
    assert_eq!(
        cells_of(&l),
        [tr(EN_G1, "abc").cells, padded(&[CURSOR_DOTS], 3)]
    );
    assert_eq!(l.current(), 1);
}

#[test]
fn cursor_on_spaces_and_newlines_is_never_lost() {
    let t = tr(EN_G1, "hello world");
    // On the break space, which fits at the end of the first line.
    let l = layout(EN_G1, "hello world", Some(5), 6);
    assert_eq!(
        cells_of(&l),
        [
            t.cells[0..5]
                .iter()
                .copied()
                .chain([CURSOR_DOTS])
                .collect::<Vec<_>>(),
            padded(&t.cells[6..11], 6)
        ]
    );
    // Without room, that space begins the next line; the word follows if it fits.
    let l = layout(EN_G1, "hello world", Some(5), 5);
    assert_eq!(
        cells_of(&l),
        [
            t.cells[0..5].to_vec(),
            padded(&[CURSOR_DOTS], 5),
            t.cells[6..11].to_vec()
        ]
    );
    assert_eq!(l.cursor(), Some((1, 0)));
    assert_eq!(l.route(1, 0), Some(5));
    let text = "hello my world";
    let t = tr(EN_G1, text);
    let l = layout(EN_G1, text, Some(5), 5);
    assert_eq!(
        cells_of(&l),
        [
            t.cells[0..5].to_vec(),
            vec![CURSOR_DOTS, t.cells[6], t.cells[7], 0, 0],
            t.cells[9..14].to_vec()
        ]
    );
    assert_eq!(
        l.lines()[1].offsets,
        [Some(5), Some(6), Some(7), Some(8), None]
    );

    // On a newline: the blank after its line; "\r\n" counts as one.
    for (text, cursor) in [("ab\ncd", 2), ("ab\r\ncd", 2), ("ab\r\ncd", 3)] {
        let l = layout(EN_G1, text, Some(cursor), 10);
        assert_eq!(l.cursor(), Some((0, 2)), "{text:?} {cursor}");
        assert_eq!(l.lines()[0].cells[2], CURSOR_DOTS);
        assert_eq!(l.lines()[0].offsets[2], Some(2));
        assert_eq!(l.lines().len(), 2);
    }
    // A full line: the newline's blank gets a line of its own.
    let l = layout(EN_G1, "ab\ncd", Some(2), 2);
    assert_eq!(l.lines().len(), 3);
    assert_eq!(l.cursor(), Some((1, 0)));

    // Trailing spaces: those that fit are kept; the cursor's always.
    let l = layout(EN_G1, "ab    ", Some(5), 4);
    assert_eq!(l.lines().len(), 2);
    assert_eq!(l.lines()[0].offsets, [Some(0), Some(1), Some(2), Some(3)]);
    assert_eq!(l.lines()[1].offsets[0], Some(5));
    assert_eq!(l.cursor(), Some((1, 0)));
}

#[test]
fn a_cursor_past_the_end_is_refused() {
    let err = try_layout(EN_G2, "The cat", Some(8), 40).unwrap_err();
    assert_eq!(
        err,
        LayoutError::Louis(LouisError::Cursor { cursor: 8, len: 7 })
    );
    assert!(err.msg().render(Lang::En).contains("cursor"));
    assert!(try_layout(EN_G2, "", Some(1), 40).is_err());
    assert!(try_layout(EN_G2, "", Some(usize::MAX), 40).is_err());
}

#[test]
fn newlines_force_breaks() {
    let text = "one\ntwo\n\nthree";
    let t = tr(EN_G1, text);
    let l = layout(EN_G1, text, None, 20);
    let lines = l.lines();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0].cells, padded(&t.cells[0..3], 20));
    assert_eq!(lines[0].offsets[..4], [Some(0), Some(1), Some(2), Some(3)]);
    assert_eq!(lines[0].offsets[4], None);
    assert_eq!(lines[1].offsets[..4], [Some(4), Some(5), Some(6), Some(7)]);
    // The empty line of the text is an empty window; routing ends that line.
    assert_eq!(lines[2].cells, vec![0; 20]);
    assert_eq!(lines[2].offsets[0], Some(8));
    assert_eq!(lines[2].offsets[1], None);
    assert_eq!(
        lines[3].offsets[..5],
        [Some(9), Some(10), Some(11), Some(12), Some(13)]
    );
    assert_eq!(
        l.line_of_char(3),
        Some(0),
        "a newline is on the line it ends"
    );
    assert_eq!(l.line_of_char(8), Some(2));

    // A final newline adds no window; "\r\n" is one break.
    assert_eq!(layout(EN_G1, "abc\n", None, 20).lines().len(), 1);
    let l = layout(EN_G1, "ab\r\ncd", None, 20);
    assert_eq!(l.lines().len(), 2);
    assert_eq!(l.lines()[0].offsets[..3], [Some(0), Some(1), Some(2)]);
    assert_eq!(l.lines()[1].offsets[..2], [Some(4), Some(5)]);
    // A full line: the newline's blank is not shown; no empty window either.
    let l = layout(EN_G1, "ab\ncd", None, 2);
    assert_eq!(l.lines().len(), 2);
    // Other line separators.
    for sep in ['\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}'] {
        let text = format!("ab{sep}cd");
        assert_eq!(layout(EN_G1, &text, None, 20).lines().len(), 2, "{sep:?}");
    }
    // Tabs and em spaces break like spaces; a no-break space does not.
    let l = layout(EN_G1, "ab\tcd", None, 3);
    assert_eq!(l.lines().len(), 2);
    let l = layout(EN_G1, "ab\u{2003}cd", None, 3);
    assert_eq!(l.lines().len(), 2);
    let l = layout(EN_G1, "ab\u{a0}cd ef", None, 6);
    assert_eq!(
        l.lines()[0].offsets[..5],
        [Some(0), Some(1), Some(2), Some(3), Some(4)]
    );
    let l = layout(EN_G1, "ab\u{a0}cd", None, 3);
    assert_eq!(
        l.lines().len(),
        2,
        "split only because it is longer than the display"
    );
}

#[test]
fn indentation_is_kept_when_it_fits() {
    let l = layout(EN_G1, "  ab\n  cd", None, 10);
    assert_eq!(
        l.lines()[0].offsets[..4],
        [Some(0), Some(1), Some(2), Some(3)]
    );
    assert_eq!(
        l.lines()[1].offsets[..4],
        [Some(5), Some(6), Some(7), Some(8)]
    );
    // Too wide with the word: dropped, the word first.
    let l = layout(EN_G1, "  abc", None, 4);
    assert_eq!(l.lines().len(), 1);
    assert_eq!(l.lines()[0].offsets[..3], [Some(2), Some(3), Some(4)]);
}

#[test]
fn only_a_word_longer_than_the_display_is_split() {
    let text = "a abcdefghij b";
    let t = tr(EN_G1, text);
    assert_eq!(t.cells.len(), 14);
    let l = layout(EN_G1, text, None, 4);
    assert_eq!(
        cells_of(&l),
        [
            padded(&t.cells[0..2], 4),
            t.cells[2..6].to_vec(),
            t.cells[6..10].to_vec(),
            t.cells[10..14].to_vec(),
        ]
    );
    // A word exactly as wide as the display is not split.
    let t = tr(EN_G1, "abcd efgh");
    let l = layout(EN_G1, "abcd efgh", None, 4);
    assert_eq!(
        cells_of(&l),
        [t.cells[0..4].to_vec(), t.cells[5..9].to_vec()]
    );
    // Contracted: "The" is two cells (⠠⠮) and stays whole at width 2.
    let l = layout(EN_G2, "The cat", None, 2);
    assert_eq!(l.lines()[0].offsets, [Some(0), Some(0)]);
    // A 1-cell display cuts every word into cells and drops the spaces.
    let l = layout(EN_G1, "ab c", None, 1);
    assert_eq!(
        cells_of(&l),
        [[t.cells[0]], [t.cells[1]], [tr(EN_G1, "c").cells[0]]]
    );
}

#[test]
fn wide_and_odd_inputs() {
    // A 160-cell display takes a paragraph in two or three windows.
    let l = layout(EN_G2, EN_PARAGRAPH, None, 160);
    assert!(l.lines().len() <= 3, "{}", l.lines().len());
    check_invariants(&l, EN_PARAGRAPH, None);
    assert_wraps_at_spaces(&l, EN_PARAGRAPH);

    for (text, cursor) in [
        ("", None),
        ("", Some(0)),
        ("     ", None),
        ("     ", Some(4)),
        ("\n\n\n", Some(1)),
        ("\r\n", Some(1)),
        ("a\u{301}b c\u{308}", Some(1)),
        ("x 😀 y 👍🏽 🇰🇿", Some(2)),
        ("\u{ad}\u{200b}\u{feff}", Some(0)),
        ("a\0b", Some(1)),
        ("a\u{ad}\nb", Some(2)),
    ] {
        for tables in [kk(), RU.into(), EN_G1.into(), EN_G2.into()] {
            for width in [1, 2, 5, 40, 160] {
                let l = layout(&tables, text, cursor, width);
                check_invariants(&l, text, cursor);
            }
        }
    }
    let long = "ж".repeat(5000);
    let l = layout(&kk(), &long, Some(4999), 40);
    assert_eq!(l.lines().len(), 125);
    assert_eq!(l.current(), 124);

    // Empty text: one blank line, nowhere to pan or route.
    let mut l = layout(EN_G2, "", None, 40);
    assert_eq!(cells_of(&l), [vec![0; 40]]);
    assert_eq!(l.pan_right(), Pan::AtEnd);
    assert_eq!(l.pan_left(), Pan::AtStart);
    assert_eq!(l.route(0, 0), None);
    assert_eq!(l.line_of_char(0), Some(0));
    let l = layout(EN_G2, "", Some(0), 40);
    assert_eq!(l.lines()[0].cells[0], CURSOR_DOTS);
    // Only spaces: those that fit, all blank.
    let l = layout(EN_G1, "     ", None, 3);
    assert_eq!(cells_of(&l), [vec![0; 3]]);
    assert_eq!(l.lines()[0].offsets, [Some(0), Some(1), Some(2)]);
}

#[test]
fn bad_widths_and_tables_are_errors() {
    for width in [0, MAX_CELLS + 1, usize::MAX] {
        let err = try_layout(EN_G1, "abc", None, width).unwrap_err();
        assert_eq!(
            err,
            LayoutError::Width {
                got: width,
                max: MAX_CELLS
            }
        );
        assert!(err.msg().render(Lang::En).contains("cells"));
    }
    let err = try_layout("no-such-table.utb", "abc", None, 40).unwrap_err();
    assert!(
        matches!(err, LayoutError::Louis(LouisError::Table { .. })),
        "{err:?}"
    );
    assert!(err.msg().render(Lang::Kk).starts_with("Брайль кестесі"));
    let long = "a".repeat(louis::MAX_CHARS + 1);
    let err = try_layout(EN_G1, &long, None, 40).unwrap_err();
    assert!(
        matches!(err, LayoutError::Louis(LouisError::TooLong { .. })),
        "{err:?}"
    );
    let err = Message::new("abc", "", Grade::Uncontracted, 40).unwrap_err();
    assert!(
        matches!(err, LayoutError::Louis(LouisError::TableList { .. })),
        "{err:?}"
    );
}

#[test]
fn changed_gives_the_ranges_that_differ() {
    assert_eq!(changed(&[1, 2, 3], &[1, 2, 3]), []);
    assert_eq!(changed(&[], &[]), []);
    assert_eq!(changed(&[1, 2, 3, 4], &[1, 0, 3, 0]), [(1, 2), (3, 4)]);
    assert_eq!(changed(&[1, 2, 3, 4], &[0, 0, 3, 4]), [(0, 2)]);
    assert_eq!(changed(&[1, 2, 3, 4], &[9, 9, 9, 9]), [(0, 4)]);
    assert_eq!(changed(&[1, 2], &[1, 2, 0]), [(2, 3)]);
    assert_eq!(changed(&[1, 2, 3], &[1]), [(1, 3)]);
    assert_eq!(changed(&[], &[0, 0]), [(0, 2)]);
    // Moving the cursor one cell rewrites two cells.
    let text = "The cat and the dog.";
    let before = layout(EN_G2, text, Some(4), 40);
    let after = layout(EN_G2, text, Some(5), 40);
    assert_eq!(
        changed(&before.shown().cells, &after.shown().cells),
        [(3, 5)]
    );
}

#[test]
fn messages_are_laid_out_on_their_own() {
    let text = "Кітап табылмады. Іздеуді қайталаңыз.";
    let mut message = Message::new(text, &kk(), Grade::Contracted, 12).expect("message");
    let show = ShowText {
        text,
        tables: &kk(),
        grade: Grade::Contracted,
        cursor: None,
    };
    assert_eq!(message.layout(), &Layout::new(&show, 12).expect("layout"));
    assert_eq!(message.layout().cursor(), None);
    assert_wraps_at_spaces(message.layout(), text);
    let lines = message.layout().lines().len();
    assert!(lines >= 3);
    let mut moves = 0;
    while let Pan::Moved(_) = message.layout_mut().pan_right() {
        moves += 1;
    }
    assert_eq!(moves, lines - 1);
}

#[test]
fn render_aligns_the_text_under_the_cells() {
    let text = "The cat and the dog.";
    let l = layout(EN_G2, text, None, 8);
    assert_eq!(
        l.render(0),
        Some(("⠠⠮⠀⠉⠁⠞⠀⠯".to_owned(), "Th cat a".to_owned()))
    );
    assert_eq!(
        l.render(1),
        Some(("⠮⠀⠙⠕⠛⠲⠀⠀".to_owned(), "t dog.  ".to_owned()))
    );
    assert_eq!(l.render(2), None);
    // Signs stand over blanks: the capital and number signs.
    let l = layout(EN_G1, "The 18", None, 10);
    assert_eq!(
        l.render(0),
        Some(("⠠⠞⠓⠑⠀⠼⠁⠓⠀⠀".to_owned(), " The  18  ".to_owned()))
    );
    // The cursor's dots show; a newline is a blank; combining marks sit on
    // a dotted circle, one column each.
    let l = layout(EN_G1, "ab\nc", Some(1), 6);
    let (braille, under) = l.render(0).expect("line 0");
    assert_eq!(braille, "⠁⣃⠀⠀⠀⠀");
    assert_eq!(under, "ab    ");
    let l = layout(EN_G1, "a\u{301}b", None, 6);
    let (braille, under) = l.render(0).expect("line 0");
    assert_eq!(braille.chars().count(), 6);
    assert_eq!(columns(&under), 6, "{under:?}");
    // Kazakh letters under their cells.
    let l = layout(&kk(), KK_SENTENCE, None, 12);
    assert_eq!(l.render(1).expect("line 1").1, "бүгін ашық. ");
}

fn columns(under: &str) -> usize {
    under.chars().filter(|&c| !is_combining(c)).count()
}

fn count_cursor_cells(layout: &Layout) -> usize {
    layout
        .lines()
        .iter()
        .flat_map(|l| l.cells.iter())
        .filter(|&&c| c & CURSOR_DOTS == CURSOR_DOTS)
        .count()
}

/// The invariants every layout keeps, whatever the input.
fn check_invariants(layout: &Layout, text: &str, cursor: Option<usize>) {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    let width = layout.width();
    let t = layout.translation();
    let lines = layout.lines();
    let context = || format!("{text:?} cursor {cursor:?} width {width}");
    assert!(!lines.is_empty(), "{}", context());
    assert_eq!(layout.slots.len(), lines.len());

    let mut last_offset = 0;
    let mut last_cell = None;
    for (index, (line, slots)) in lines.iter().zip(&layout.slots).enumerate() {
        // Every line exactly as wide as the display.
        assert_eq!(line.cells.len(), width, "{}", context());
        assert_eq!(line.offsets.len(), width, "{}", context());
        assert!(slots.len() <= width, "{}", context());
        for (column, (&cell, &offset)) in line.cells.iter().zip(&line.offsets).enumerate() {
            let at_cursor = layout.cursor() == Some((index, column));
            // Offsets never decrease and stay inside the text.
            if let Some(offset) = offset {
                assert!(offset < len, "{}", context());
                assert!(offset >= last_offset, "{}", context());
                last_offset = offset;
            }
            assert_eq!(layout.route(index, column), offset);
            let base = if at_cursor { cell & !CURSOR_DOTS } else { cell };
            match slots.get(column) {
                // Cells of the translation, in order, unchanged.
                Some(&Slot::Cell(i)) => {
                    assert!(last_cell.is_none_or(|last| i > last), "{}", context());
                    last_cell = Some(i);
                    let expected = if at_cursor {
                        t.cells[i] | CURSOR_DOTS
                    } else {
                        t.cells[i]
                    };
                    assert_eq!(cell, expected, "{}", context());
                    assert_eq!(offset, Some(t.cell_to_char[i]), "{}", context());
                }
                Some(&Slot::LineEnd(at)) => {
                    assert_eq!(base, 0);
                    assert_eq!(offset, Some(at));
                    assert!(is_newline(chars[at]), "{}", context());
                }
                Some(&Slot::TextEnd) | None => {
                    assert_eq!(base, 0, "{}", context());
                    assert_eq!(offset, None, "{}", context());
                }
            }
        }
    }
    // Only blank cells are left out.
    let shown: std::collections::BTreeSet<usize> = layout
        .slots
        .iter()
        .flatten()
        .filter_map(|s| match s {
            Slot::Cell(i) => Some(*i),
            _ => None,
        })
        .collect();
    for (i, &cell) in t.cells.iter().enumerate() {
        assert!(
            cell == 0 || shown.contains(&i),
            "cell {i} lost: {}",
            context()
        );
    }

    // No word split unless longer than the display.
    let cell_at = |offset: usize| first_cell_from(t, offset);
    for pair in lines.windows(2) {
        let (Some(a), Some(b)) = (
            pair[0].offsets.iter().rev().flatten().next().copied(),
            pair[1].offsets.iter().flatten().next().copied(),
        ) else {
            continue;
        };
        if (a..=b).any(|o| is_break(chars[o])) {
            continue;
        }
        let start = (0..=a)
            .rev()
            .find(|&o| is_break(chars[o]))
            .map_or(0, |o| o + 1);
        let end = (b..len).find(|&o| is_break(chars[o])).unwrap_or(len);
        let word_cells = cell_at(end) - cell_at(start);
        assert!(
            word_cells > width,
            "word {:?} ({word_cells} cells) split: {}",
            chars[start..end].iter().collect::<String>(),
            context()
        );
    }

    // The cursor: dots 7–8 exactly once, on the window shown first.
    match cursor {
        Some(c) if c <= len => {
            let (line, column) = layout.cursor().expect("a cursor is shown");
            assert_eq!(layout.current(), line, "{}", context());
            assert_eq!(
                lines[line].cells[column] & CURSOR_DOTS,
                CURSOR_DOTS,
                "{}",
                context()
            );
            if !t.cells.iter().any(|&c| c & CURSOR_DOTS == CURSOR_DOTS) {
                assert_eq!(count_cursor_cells(layout), 1, "{}", context());
            }
        }
        _ => assert_eq!(layout.cursor(), None),
    }

    // Every character has a line; a character shown is on the line of its
    // first cell.
    for offset in 0..=len {
        let line = layout.line_of_char(offset).expect("inside the text");
        assert!(line < lines.len(), "{}", context());
    }
    for (offset, &c) in chars.iter().enumerate() {
        if is_break(c) {
            continue;
        }
        if let Some(first) = lines.iter().position(|l| l.offsets.contains(&Some(offset))) {
            assert_eq!(
                layout.line_of_char(offset),
                Some(first),
                "{offset}: {}",
                context()
            );
        }
    }
    assert_eq!(layout.line_of_char(len + 1), None);

    // Rendering: one column per cell.
    for index in 0..lines.len() {
        let (braille, under) = layout.render(index).expect("a line");
        assert_eq!(braille.chars().count(), width);
        assert_eq!(columns(&under), width, "{under:?}: {}", context());
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

/// Words from these pools, separated mostly by spaces, so lines really wrap.
const POOL: &[&str] = &[
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
    "әғқңөұүһіӘҒҚҢӨҰҮҺІ",
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    ".,;:!?-—–()[]{}«»\"'/\\@#$%^&*_+=<>|~`№§",
    "😀👍🏽🇰🇿€₸",
    "\u{301}\u{308}\u{306}\u{200d}\u{fe0f}\u{ad}\u{200b}",
    "\u{a0}\u{0}\u{7f}\u{ffff}",
];
const COMMON_WORDS: &[&str] = &["the", "and", "қазақ", "кітап", "ашық", "and the", "18"];
const SEPARATORS: &[&str] = &[
    " ", " ", " ", " ", "  ", "\n", "\r\n", "\n\n", "\t", "\u{2003}",
];

fn random_text(rng: &mut Rng) -> String {
    let pools: Vec<Vec<char>> = POOL.iter().map(|p| p.chars().collect()).collect();
    let mut text = String::new();
    if rng.below(8) == 0 {
        text.push_str(SEPARATORS[rng.below(SEPARATORS.len())]);
    }
    for _ in 0..rng.below(16) {
        if rng.below(3) == 0 {
            text.push_str(COMMON_WORDS[rng.below(COMMON_WORDS.len())]);
        } else {
            // Mostly short words, sometimes one longer than a small display.
            let len = 1 + if rng.below(8) == 0 {
                rng.below(30)
            } else {
                rng.below(7)
            };
            let pool = &pools[rng.below(pools.len())];
            for _ in 0..len {
                text.push(pool[rng.below(pool.len())]);
            }
        }
        text.push_str(SEPARATORS[rng.below(SEPARATORS.len())]);
    }
    if rng.below(2) == 0 {
        text.pop();
    }
    text
}

#[test]
fn random_texts_never_panic_and_keep_the_invariants() {
    let tables = [kk(), RU.into(), EN_G1.into(), EN_G2.into()];
    let widths = [1, 2, 3, 4, 6, 8, 12, 20, 32, 40, 80, 160];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let text = random_text(&mut rng);
        let table = &tables[round % tables.len()];
        let len = text.chars().count();
        let width = if rng.below(4) == 0 {
            1 + rng.below(MAX_CELLS)
        } else {
            widths[rng.below(widths.len())]
        };
        let cursor = (rng.below(3) > 0).then(|| rng.below(len + 1));
        let grade = if rng.below(2) == 0 {
            Grade::Contracted
        } else {
            Grade::Uncontracted
        };
        let show = ShowText {
            text: &text,
            tables: table,
            grade,
            cursor,
        };
        let mut l = Layout::new(&show, width)
            .unwrap_or_else(|e| panic!("{table} {text:?} {cursor:?} {width}: {e}"));
        check_invariants(&l, &text, cursor);
        // Panning visits every line once each way.
        while l.pan_left() != Pan::AtStart {}
        let mut moves = 0;
        while l.pan_right() != Pan::AtEnd {
            moves += 1;
        }
        assert_eq!(moves, l.lines().len() - 1);
        // Any routing key, even off the display, answers.
        for cell in 0..width + 2 {
            if let Some(offset) = l.route(l.current(), cell) {
                assert!(offset < len.max(1));
            }
        }
        // A message of the same text: the same lines, no cursor.
        let message = Message::new(&text, table, grade, width).expect("message");
        assert_eq!(message.layout().cursor(), None);
    }
}
