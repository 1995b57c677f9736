//! The health summary as a PDF made on the server (`GET /records/summary.pdf`), for a patient
//! who wants a file rather than the browser's print dialog: the same sections as the summary
//! page, US Letter, in Helvetica (one of the fonts every PDF reader carries, so nothing is
//! embedded and the file stays a few kilobytes).
//!
//! Invariants: text is written in WinAnsi, so English and Spanish print as typed and anything
//! outside it prints as "?" rather than breaking the file; lines wrap by Helvetica's own
//! widths, so nothing runs off the page; an entry is not split across pages when it fits on
//! one; every page says which page of how many it is.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// One entry of a section: its name (bold) and the lines under it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrintEntry {
    pub name: String,
    pub lines: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrintSection {
    pub heading: String,
    /// Said under the heading when there are no entries.
    pub empty: String,
    pub entries: Vec<PrintEntry>,
}

/// What the PDF says: a title, lines about whose record it is, the sections, and a footer
/// with `%page%` and `%pages%` in it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Printable {
    pub title: String,
    pub about: Vec<String>,
    pub sections: Vec<PrintSection>,
    pub footer: String,
    /// BCP 47, for screen readers: "en" or "es".
    pub language: String,
}

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;
const BODY: f32 = 10.5;
const HEADING: f32 = 13.0;
const TITLE: f32 = 20.0;
const LEADING: f32 = 1.35;

/// Helvetica's advance widths (Adobe's AFM, 1/1000 em) for ASCII 32..=126.
#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The WinAnsi byte for `c`, or `?` for a character WinAnsi does not have.
pub fn win_ansi(c: char) -> u8 {
    let special = match c {
        '€' => Some(0x80),
        '‚' => Some(0x82),
        '„' => Some(0x84),
        '…' => Some(0x85),
        '‘' => Some(0x91),
        '’' => Some(0x92),
        '“' => Some(0x93),
        '”' => Some(0x94),
        '•' => Some(0x95),
        '–' => Some(0x96),
        '—' => Some(0x97),
        '™' => Some(0x99),
        _ => None,
    };
    match (special, u32::from(c)) {
        (Some(b), _) => b,
        (None, n @ (0x20..=0x7E | 0xA0..=0xFF)) => u8::try_from(n).unwrap_or(b'?'),
        _ => b'?',
    }
}

/// How wide `c` is in Helvetica, in 1/1000 em. A Latin-1 letter with an accent is as wide as
/// the letter without it (as in Adobe's metrics); other symbols are counted wide, so a line
/// can only wrap early, never run over.
fn advance(c: char) -> u16 {
    let base = match c {
        'À'..='Å' => 'A',
        'Ç' => 'C',
        'È'..='Ë' => 'E',
        'Ñ' => 'N',
        'Ò'..='Ö' | 'Ø' => 'O',
        'Ù'..='Ü' => 'U',
        'Ý' => 'Y',
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'Ì'..='Ï' | 'ì'..='ï' | '¡' | '·' | '‘' | '’' | '‚' => return 333,
        other => other,
    };
    u32::from(base)
        .checked_sub(0x20)
        .and_then(|i| HELVETICA.get(usize::try_from(i).ok()?))
        .copied()
        .unwrap_or(1000)
}

/// The width of `text` at `size` points; bold counted a tenth wider (Helvetica-Bold is at
/// most that much wider than Helvetica).
fn width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = text.chars().map(|c| u32::from(advance(c))).sum();
    let w = units as f32 * size / 1000.0;
    if bold {
        w * 1.1
    } else {
        w
    }
}

/// `text` broken into lines no wider than `max` points, at spaces where it can be and inside
/// a word only when the word alone is too wide.
pub fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size, bold) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line is cut where it must be.
            for c in word.chars() {
                line.push(c);
                if width(&line, size, bold) > max {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// One line of text placed on a page.
struct Placed {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    gray: f32,
    text: String,
}

/// Lays the document out in pages.
fn layout(doc: &Printable) -> Vec<Vec<Placed>> {
    let right = PAGE_WIDTH - MARGIN;
    let bottom = MARGIN + 30.0;
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = PAGE_HEIGHT - MARGIN;
    let place = |pages: &mut Vec<Vec<Placed>>,
                 y: &mut f32,
                 x: f32,
                 size: f32,
                 bold: bool,
                 gray: f32,
                 text: String| {
        *y -= size * LEADING;
        if let Some(page) = pages.last_mut() {
            page.push(Placed {
                x,
                y: *y,
                size,
                bold,
                gray,
                text,
            });
        }
    };
    for line in wrap(&doc.title, TITLE, true, right - MARGIN) {
        place(&mut pages, &mut y, MARGIN, TITLE, true, 0.0, line);
    }
    for about in &doc.about {
        for line in wrap(about, BODY, false, right - MARGIN) {
            place(&mut pages, &mut y, MARGIN, BODY, false, 0.3, line);
        }
    }
    for section in &doc.sections {
        // A heading never ends a page: it moves on with at least its first entry's first line.
        let needs = HEADING * LEADING + 8.0 + BODY * LEADING * 2.0;
        if y - needs < bottom {
            pages.push(Vec::new());
            y = PAGE_HEIGHT - MARGIN;
        } else {
            y -= 10.0;
        }
        place(
            &mut pages,
            &mut y,
            MARGIN,
            HEADING,
            true,
            0.0,
            section.heading.clone(),
        );
        y -= 2.0;
        if section.entries.is_empty() {
            place(
                &mut pages,
                &mut y,
                MARGIN,
                BODY,
                false,
                0.3,
                section.empty.clone(),
            );
        }
        for entry in &section.entries {
            let indent = MARGIN + 12.0;
            let mut lines: Vec<(bool, String)> = wrap(&entry.name, BODY, true, right - MARGIN)
                .into_iter()
                .map(|l| (true, l))
                .collect();
            for detail in &entry.lines {
                lines.extend(
                    wrap(detail, BODY, false, right - indent)
                        .into_iter()
                        .map(|l| (false, l)),
                );
            }
            let height = lines.len() as f32 * BODY * LEADING + 4.0;
            let page_room = PAGE_HEIGHT - MARGIN - bottom;
            if y - height < bottom && height <= page_room {
                pages.push(Vec::new());
                y = PAGE_HEIGHT - MARGIN;
            }
            y -= 4.0;
            for (bold, line) in lines {
                if y - BODY * LEADING < bottom {
                    pages.push(Vec::new());
                    y = PAGE_HEIGHT - MARGIN;
                }
                let x = if bold { MARGIN } else { indent };
                place(
                    &mut pages,
                    &mut y,
                    x,
                    BODY,
                    bold,
                    if bold { 0.0 } else { 0.15 },
                    line,
                );
            }
        }
    }
    pages
}

fn encoded(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi).collect()
}

/// The PDF file.
pub fn render(doc: &Printable) -> Vec<u8> {
    let pages = layout(doc);
    let count = pages.len();
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..count)
        .map(|i| Ref::new(first_page + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();
    pdf.catalog(catalog)
        .pages(tree)
        .lang(TextStr(&doc.language));
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(count).unwrap_or(1));
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .producer(TextStr(crate::organisation::PRODUCT_NAME));
    for (font, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(font)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (i, (placed, page_id)) in pages.iter().zip(&page_ids).enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        page.finish();
        let mut content = Content::new();
        let footer = doc
            .footer
            .replace("%page%", &(i + 1).to_string())
            .replace("%pages%", &count.to_string());
        let footer_line = Placed {
            x: MARGIN,
            y: MARGIN,
            size: 8.5,
            bold: false,
            gray: 0.35,
            text: wrap(&footer, 8.5, false, PAGE_WIDTH - 2.0 * MARGIN)
                .into_iter()
                .next()
                .unwrap_or_default(),
        };
        for p in placed.iter().chain(std::iter::once(&footer_line)) {
            content.set_fill_gray(p.gray);
            content.begin_text();
            content.set_font(Name(if p.bold { b"F2" } else { b"F1" }), p.size);
            content.next_line(p.x, p.y);
            content.show(Str(&encoded(&p.text)));
            content.end_text();
        }
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_prints_as_typed_and_the_rest_as_a_question_mark() {
        assert_eq!(
            encoded("Niño, ¿qué tal? 5 €"),
            b"Ni\xf1o, \xbfqu\xe9 tal? 5 \x80".to_vec()
        );
        assert_eq!(encoded("血压"), b"??".to_vec());
    }

    #[test]
    fn lines_wrap_at_spaces_within_the_width_and_long_words_are_cut() {
        let text = "Take one tablet by mouth twice a day with meals, and check your blood sugar before breakfast";
        let lines = wrap(text, BODY, false, 200.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, BODY, false) <= 200.0));
        assert_eq!(lines.join(" "), text);
        let long = "W".repeat(60);
        let cut = wrap(&long, BODY, false, 100.0);
        assert!(cut.len() > 1 && cut.iter().all(|l| width(l, BODY, false) <= 100.0));
        assert_eq!(cut.concat(), long);
        // An accented letter is as wide as its letter.
        assert_eq!(width("canción", BODY, false), width("cancion", BODY, false));
    }

    #[test]
    fn a_long_record_takes_several_pages_each_numbered() {
        let doc = Printable {
            title: "Health summary".into(),
            about: vec!["Maria Garcia · Born Mar 14, 1979".into()],
            sections: vec![PrintSection {
                heading: "Medications".into(),
                empty: "None recorded.".into(),
                entries: (0..80)
                    .map(|i| PrintEntry {
                        name: format!("Medication {i}"),
                        lines: vec![
                            "Dose: 500 mg".into(),
                            "Prescribed by: Dr. Ana Morales".into(),
                        ],
                    })
                    .collect(),
            }],
            footer: "Page %page% of %pages%".into(),
            language: "en".into(),
        };
        let pages = layout(&doc);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        // Every line sits inside the margins.
        assert!(pages
            .iter()
            .flatten()
            .all(|p| p.y >= MARGIN + 30.0 - 0.01 && p.y <= PAGE_HEIGHT - MARGIN));
        let bytes = render(&doc);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(&format!("(Page 3 of {})", pages.len())));
        // An entry is never split: each medication's name and its two lines share a page.
        for page in &pages {
            let names = page
                .iter()
                .filter(|p| p.text.starts_with("Medication "))
                .count();
            let doses = page.iter().filter(|p| p.text.starts_with("Dose:")).count();
            assert_eq!(names, doses);
        }
    }
}
