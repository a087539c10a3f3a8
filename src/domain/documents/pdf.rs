//! A document as a PDF, made in process with krilla: A4, DejaVu Sans (Latin and
//! Cyrillic) embedded, text selectable, the document's number as the title in its
//! metadata. It says what the printable page says: the company at the top, the parties,
//! the lines, the totals with the tax, the rounding rule and the signatures.
//!
//! The layout is done first, into pages of drawing operations (text runs and rules),
//! measured with the font's advance widths; then each page is drawn.

use std::sync::LazyLock;

use krilla::Document as Pdf;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::db::models::document::{ACT, BILL, CREDIT_NOTE};
use crate::domain::documents::DocumentView;

static REGULAR_BYTES: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans.ttf");
static BOLD_BYTES: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans-Bold.ttf");

static REGULAR: LazyLock<Option<Font>> = LazyLock::new(|| Font::new(REGULAR_BYTES.into(), 0));
static BOLD: LazyLock<Option<Font>> = LazyLock::new(|| Font::new(BOLD_BYTES.into(), 0));

/// A4 in points, and the margins.
const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 50.0;
const RIGHT: f32 = WIDTH - MARGIN;
const BOTTOM: f32 = HEIGHT - 60.0;

/// The rule the totals were rounded by, printed on every document with money.
pub const ROUNDING_RULE: &str = "Amounts are in the currency's minor unit, rounded half away from zero; tax is counted once for the document.";

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
    },
}

/// Widths of text in the two fonts.
struct Measure {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl Measure {
    fn new() -> Option<Self> {
        Some(Self {
            regular: FontRef::new(REGULAR_BYTES).ok()?,
            bold: FontRef::new(BOLD_BYTES).ok()?,
        })
    }

    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let font = if bold { &self.bold } else { &self.regular };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| metrics.advance_width(g))
                    .unwrap_or(size * 0.6)
            })
            .sum()
    }

    /// Splits text into lines no wider than `width`, at spaces where it can (a word wider
    /// than a line is cut), keeping the text's own line breaks.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split(' ') {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size, bold) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let mut rest = word.to_string();
                while self.width(&rest, size, bold) > width && rest.chars().count() > 1 {
                    let mut cut = rest.chars().count() - 1;
                    while cut > 1
                        && self.width(&rest.chars().take(cut).collect::<String>(), size, bold)
                            > width
                    {
                        cut -= 1;
                    }
                    lines.push(rest.chars().take(cut).collect());
                    rest = rest.chars().skip(cut).collect();
                }
                line = rest;
            }
            lines.push(line);
        }
        lines
    }
}

/// Lays text out down the page, starting new pages as it fills.
struct Layout {
    measure: Measure,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new(measure: Measure) -> Self {
        Self {
            measure,
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Makes room for `height` points, on a new page if this one is full.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            text: text.to_string(),
        });
    }

    fn right_at(&mut self, right: f32, y: f32, size: f32, bold: bool, text: &str) {
        let x = right - self.measure.width(text, size, bold);
        self.text_at(x, y, size, bold, text);
    }

    /// A paragraph across `x`..`RIGHT`.
    fn paragraph(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let lines = self.measure.wrap(text, size, bold, RIGHT - x);
        for line in lines {
            self.room(size * 1.35);
            self.y += size * 1.35;
            let y = self.y;
            self.text_at(x, y, size, bold, &line);
        }
    }

    /// "Label: value" with the value wrapped beside the label.
    fn field(&mut self, label: &str, value: &str) {
        if value.trim().is_empty() {
            return;
        }
        let size = 9.0;
        let indent = MARGIN + 110.0;
        let lines = self.measure.wrap(value, size, false, RIGHT - indent);
        self.room(size * 1.35 * lines.len() as f32);
        for (i, line) in lines.iter().enumerate() {
            self.y += size * 1.35;
            let y = self.y;
            if i == 0 {
                self.text_at(MARGIN, y, size, true, label);
            }
            self.text_at(indent, y, size, false, line);
        }
    }

    fn rule(&mut self, width: f32) {
        self.y += 4.0;
        let y = self.y;
        self.ops().push(Op::Rule {
            x1: MARGIN,
            x2: RIGHT,
            y,
            width,
        });
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }
}

/// A column of the lines' table: its header, its right edge or left start, and whether it
/// is right-aligned.
struct Column {
    header: &'static str,
    x: f32,
    right: bool,
}

/// The document as a PDF.
pub fn render(view: &DocumentView) -> Result<Vec<u8>, String> {
    let measure = Measure::new().ok_or("the vendored font does not parse")?;
    let mut layout = Layout::new(measure);
    let d = &view.document;
    let company = &view.company;
    let payer = &view.payer;

    // The company at the top.
    layout.paragraph(MARGIN, 13.0, true, &company.legal_name);
    let ids = company_ids(view);
    if !ids.is_empty() {
        layout.paragraph(MARGIN, 9.0, false, &ids);
    }
    if !company.legal_address.is_empty() {
        layout.paragraph(MARGIN, 9.0, false, &company.legal_address);
    }
    let contacts = [company.email.as_str(), company.phone.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if !contacts.is_empty() {
        layout.paragraph(MARGIN, 9.0, false, &contacts);
    }
    layout.rule(0.8);
    layout.gap(10.0);
    layout.paragraph(MARGIN, 15.0, true, &view.title());
    if d.status == crate::db::models::document::CANCELLED {
        layout.paragraph(
            MARGIN,
            11.0,
            true,
            &format!("CANCELLED: {}", d.cancel_reason),
        );
    }
    for line in subtitle(view) {
        layout.paragraph(MARGIN, 9.5, false, &line);
    }
    layout.gap(8.0);

    // The parties.
    layout.field("Supplier", &company.legal_name);
    if d.kind == BILL {
        layout.field("Bank details", &company.bank_details);
    }
    layout.field(
        if d.kind == ACT || d.kind == BILL {
            "Customer"
        } else {
            "Payer"
        },
        &payer.name,
    );
    let payer_ids = if payer.tax_id.is_empty() {
        String::new()
    } else if payer.country == "RU" {
        format!("INN {}", payer.tax_id)
    } else {
        format!("Tax id {}", payer.tax_id)
    };
    layout.field("", &payer_ids);
    layout.field("Address", payer.address());
    layout.gap(12.0);

    // The lines.
    let reconciliation = view.is_reconciliation();
    let columns: Vec<Column> = if reconciliation {
        vec![
            Column {
                header: "Date",
                x: MARGIN,
                right: false,
            },
            Column {
                header: "Operation",
                x: MARGIN + 70.0,
                right: false,
            },
            Column {
                header: "Debit",
                x: RIGHT - 80.0,
                right: true,
            },
            Column {
                header: "Credit",
                x: RIGHT,
                right: true,
            },
        ]
    } else {
        vec![
            Column {
                header: "No.",
                x: MARGIN,
                right: false,
            },
            Column {
                header: "Description",
                x: MARGIN + 28.0,
                right: false,
            },
            Column {
                header: "Qty",
                x: RIGHT - 170.0,
                right: true,
            },
            Column {
                header: "Price",
                x: RIGHT - 85.0,
                right: true,
            },
            Column {
                header: "Amount",
                x: RIGHT,
                right: true,
            },
        ]
    };
    let description_width = if reconciliation {
        RIGHT - 170.0 - (MARGIN + 70.0)
    } else {
        RIGHT - 230.0 - (MARGIN + 28.0)
    };
    let header = |layout: &mut Layout| {
        layout.room(30.0);
        layout.y += 12.0;
        let y = layout.y;
        for c in &columns {
            if c.right {
                layout.right_at(c.x, y, 9.0, true, c.header);
            } else {
                layout.text_at(c.x, y, 9.0, true, c.header);
            }
        }
        layout.rule(0.5);
    };
    header(&mut layout);
    if reconciliation {
        layout.room(14.0);
        layout.y += 13.0;
        let y = layout.y;
        let opening = view.money(d.opening).to_string();
        layout.text_at(MARGIN + 70.0, y, 9.0, true, "Balance at the start");
        layout.right_at(RIGHT, y, 9.0, true, &opening);
    }
    for (i, line) in view.lines.iter().enumerate() {
        let wrapped = layout
            .measure
            .wrap(&line.description, 9.0, false, description_width);
        let height = 12.5 * wrapped.len() as f32 + 2.0;
        if layout.y + height > BOTTOM {
            layout.pages.push(Vec::new());
            layout.y = MARGIN;
            header(&mut layout);
        }
        layout.y += 12.5;
        let y = layout.y;
        if reconciliation {
            let date = line
                .line_date
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            layout.text_at(MARGIN, y, 9.0, false, &date);
            if line.amount != 0 {
                let debit = view.money(line.amount).to_string();
                layout.right_at(RIGHT - 80.0, y, 9.0, false, &debit);
            }
            if line.credit != 0 {
                let credit = view.money(line.credit).to_string();
                layout.right_at(RIGHT, y, 9.0, false, &credit);
            }
        } else {
            layout.text_at(MARGIN, y, 9.0, false, &(i + 1).to_string());
            layout.right_at(RIGHT - 170.0, y, 9.0, false, &line.quantity.to_string());
            let price = view.money(line.unit_price).to_string();
            layout.right_at(RIGHT - 85.0, y, 9.0, false, &price);
            let amount = view.money(line.amount).to_string();
            layout.right_at(RIGHT, y, 9.0, false, &amount);
        }
        let x = columns[1].x;
        for (j, part) in wrapped.iter().enumerate() {
            if j > 0 {
                layout.y += 12.5;
            }
            let y = layout.y;
            layout.text_at(x, y, 9.0, false, part);
        }
        layout.y += 2.0;
    }
    layout.rule(0.5);

    // The totals.
    let mut totals: Vec<(String, String)> = Vec::new();
    if reconciliation {
        let (debit, credit) = view.turnover();
        totals.push(("Turnover: debit".into(), view.money(debit).to_string()));
        totals.push(("Turnover: credit".into(), view.money(credit).to_string()));
        totals.push(("Balance at the end".into(), view.money(d.total).to_string()));
    } else {
        totals.push(("Total".into(), view.money(d.total).to_string()));
        if d.tax_label.is_empty() {
            totals.push(("VAT".into(), "not charged".into()));
        } else {
            totals.push((
                format!("Including {}", d.tax_label.trim_end_matches(" included")),
                view.money(d.tax).to_string(),
            ));
        }
    }
    for (label, value) in &totals {
        layout.room(14.0);
        layout.y += 14.0;
        let y = layout.y;
        layout.right_at(RIGHT - 110.0, y, 10.0, true, label);
        layout.right_at(RIGHT, y, 10.0, true, value);
    }
    layout.gap(10.0);
    if reconciliation {
        layout.paragraph(MARGIN, 9.0, false, &balance_words(view));
    }
    layout.paragraph(MARGIN, 8.0, false, ROUNDING_RULE);

    // The signatures.
    layout.room(70.0);
    layout.gap(36.0);
    let y = layout.y;
    let signer = if company.signatory_title.is_empty() {
        "For the supplier".to_string()
    } else {
        company.signatory_title.clone()
    };
    layout.text_at(MARGIN, y, 9.0, true, &signer);
    layout.text_at(MARGIN, y + 24.0, 9.0, false, "____________________");
    layout.text_at(
        MARGIN + 110.0,
        y + 24.0,
        9.0,
        false,
        &company.signatory_name,
    );
    if d.kind == ACT || view.is_reconciliation() {
        layout.text_at(MARGIN + 280.0, y, 9.0, true, "For the customer");
        layout.text_at(MARGIN + 280.0, y + 24.0, 9.0, false, "____________________");
    }

    draw(&layout.pages, &d.number)
}

/// The company's ids as the heading prints them.
pub fn company_ids(view: &DocumentView) -> String {
    let c = &view.company;
    let mut parts = Vec::new();
    if !c.tax_id.is_empty() {
        parts.push(if c.country == "RU" {
            format!("INN {}", c.tax_id)
        } else {
            format!("Tax id {}", c.tax_id)
        });
    }
    if !c.kpp.is_empty() {
        parts.push(format!("KPP {}", c.kpp));
    }
    if !c.registration_number.is_empty() {
        parts.push(format!("Reg. No. {}", c.registration_number));
    }
    parts.join(", ")
}

/// The lines under the heading: what the document is about.
pub fn subtitle(view: &DocumentView) -> Vec<String> {
    let d = &view.document;
    let mut lines = Vec::new();
    match d.kind.as_str() {
        BILL => {
            if let Some(due) = d.due_on {
                lines.push(format!("Due by {}.", due.format("%Y-%m-%d")));
            }
            if let Some(payment) = d.payment_id {
                lines.push(format!(
                    "Quote \"payment No. {payment}, {}\" in the purpose of the transfer.",
                    d.number
                ));
            }
        }
        ACT => {
            if let (Some(from), Some(to)) = (d.period_start, d.period_end) {
                lines.push(format!(
                    "Services rendered from {} to {}. The customer has no claims as to their scope, quality and timing.",
                    from.format("%Y-%m-%d"),
                    to.format("%Y-%m-%d")
                ));
            }
        }
        CREDIT_NOTE => {
            let bill = view
                .related
                .iter()
                .find(|r| Some(r.id) == d.related_id)
                .map(|b| format!(" and bill {}", b.number))
                .unwrap_or_default();
            if let Some(payment) = d.payment_id {
                lines.push(format!(
                    "Corrects payment No. {payment}{bill}: the amount below was paid back."
                ));
            }
        }
        _ => {
            if let (Some(from), Some(to)) = (d.period_start, d.period_end) {
                lines.push(format!(
                    "Mutual settlements from {} to {}, in {}.",
                    from.format("%Y-%m-%d"),
                    to.format("%Y-%m-%d"),
                    d.currency_code
                ));
            }
        }
    }
    lines
}

/// What a reconciliation report's closing balance means, in words.
pub fn balance_words(view: &DocumentView) -> String {
    let d = &view.document;
    let to = d
        .period_end
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    match d.total {
        0 => format!("On {to} neither side owes the other."),
        t if t > 0 => format!(
            "On {to} {} owes {} {} (an advance for services).",
            view.company.legal_name,
            view.payer.name,
            view.money(t)
        ),
        t => format!(
            "On {to} {} owes {} {}.",
            view.payer.name,
            view.company.legal_name,
            view.money(-t)
        ),
    }
}

fn draw(pages: &[Vec<Op>], title: &str) -> Result<Vec<u8>, String> {
    let regular = REGULAR.clone().ok_or("the vendored font does not load")?;
    let bold = BOLD.clone().ok_or("the vendored font does not load")?;
    let mut pdf = Pdf::new();
    pdf.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("billpanel".to_string()),
    );
    let count = pages.len();
    for (n, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT).ok_or("bad page size")?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    text,
                } => surface.draw_text(
                    Point::from_xy(*x, *y),
                    if *b { bold.clone() } else { regular.clone() },
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                ),
                Op::Rule { x1, x2, y, width } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y);
                    path.line_to(*x2, *y);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width: *width,
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface.set_fill(Some(Default::default()));
                    }
                }
            }
        }
        if count > 1 {
            let footer = format!("{title} · page {} of {count}", n + 1);
            surface.draw_text(
                Point::from_xy(MARGIN, HEIGHT - 30.0),
                regular.clone(),
                8.0,
                &footer,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| format!("{e:?}"))
}
