//! `/admin`: the admin dashboard: money, services, support, charts and recent activity,
//! each part for those who may see it.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, NaiveDate};

use crate::domain::dashboard::{self, AdminDashboard};
use crate::web::identity::Staff;
use crate::web::page::PageContext;
use crate::web::{AppState, WebError};

/// A bar chart drawn as SVG on the server, written out here in one string: integer
/// coordinates in tenths of the drawing's units (formatting a float to a fixed number of
/// decimals went through the slow exact path and, with a few hundred bars, was most of the
/// page's time).
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    /// Said to screen readers in place of the bars.
    pub summary: String,
    /// The largest value, as shown at the top of the scale.
    pub top: String,
    /// The `<svg>` element.
    pub svg: String,
}

/// The drawing's size in its own units; the page scales it to the card's width.
const WIDTH: i64 = 3000;
const HEIGHT: i64 = 1120;
/// The bars' height; the ticks go under it.
const PLOT: i64 = 940;

/// `&`, `<`, `>` and `"` escaped, for text and attributes of the drawing.
fn escaped(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

impl Chart {
    /// Bars for `values`, each labelled by `label(i)` (hover) and `tick(i)` (axis).
    fn bars(
        id: &'static str,
        title: String,
        values: &[i64],
        shown: impl Fn(i64) -> String,
        label: impl Fn(usize) -> String,
        tick: impl Fn(usize) -> Option<String>,
    ) -> Chart {
        use std::fmt::Write;
        let max = values.iter().copied().max().unwrap_or(0).max(1);
        let count = values.len().max(1) as i64;
        let slot = WIDTH / count;
        let width = slot * 7 / 10;
        let total: i64 = values.iter().sum();
        let summary = format!("{title}: {} in all, {} at most", shown(total), shown(max));
        let mut svg = String::with_capacity(200 + values.len() * 160);
        let _ = write!(
            svg,
            "<svg class=\"bp-chart\" id=\"{id}\" viewBox=\"0 -20 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\""
        );
        escaped(&summary, &mut svg);
        let _ = write!(
            svg,
            "\"><line x1=\"0\" y1=\"{PLOT}\" x2=\"{WIDTH}\" y2=\"{PLOT}\" class=\"bp-chart-axis\"></line>"
        );
        for (i, v) in values.iter().enumerate() {
            let height = (*v).max(0).saturating_mul(PLOT) / max;
            let x = i as i64 * slot + (slot - width) / 2;
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"{width}\" height=\"{height}\" class=\"bp-chart-bar\"><title>",
                PLOT - height
            );
            escaped(&label(i), &mut svg);
            svg.push_str(": ");
            escaped(&shown(*v), &mut svg);
            svg.push_str("</title></rect>");
            if let Some(tick) = tick(i) {
                let _ = write!(
                    svg,
                    "<text x=\"{}\" y=\"1080\" class=\"bp-chart-tick\">",
                    i as i64 * slot + slot / 2
                );
                escaped(&tick, &mut svg);
                svg.push_str("</text>");
            }
        }
        svg.push_str("</svg>");
        Chart {
            id,
            summary,
            title,
            top: shown(values.iter().copied().max().unwrap_or(0)),
            svg,
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn short_month(day: NaiveDate) -> &'static str {
    MONTHS[day.month0() as usize]
}

/// "7 Dec".
fn day_label(day: NaiveDate) -> String {
    format!("{} {}", day.day(), short_month(day))
}

/// "Dec 2026".
fn month_label(month: NaiveDate) -> String {
    format!("{} {}", short_month(month), month.year())
}

/// The charts the viewer may see.
fn charts(data: &AdminDashboard, today: NaiveDate) -> Vec<Chart> {
    let mut charts = Vec::new();
    // Every chart by month reads its months alike: "Dec 2026" on hover, "Dec" under the bar.
    let month_hover = |i: usize| {
        data.months
            .get(i)
            .map(|m| month_label(*m))
            .unwrap_or_default()
    };
    let month_tick = |i: usize| data.months.get(i).map(|m| short_month(*m).to_owned());
    for money in data.money.iter().flatten() {
        let days = money.days.len();
        let day = |i: usize| today - chrono::Duration::days((days - 1 - i) as i64);
        charts.push(Chart::bars(
            "chart-days",
            format!("Payments received per day, {}", money.code),
            &money.days,
            |v| money.money(&v).to_string(),
            |i| day_label(day(i)),
            |i| ((days - 1 - i) % 7 == 0).then(|| day_label(day(i))),
        ));
        charts.push(Chart::bars(
            "chart-months",
            format!("Payments received per month, {}", money.code),
            &money.months,
            |v| money.money(&v).to_string(),
            month_hover,
            month_tick,
        ));
    }
    let month_chart = |id, title: &str, values: &[i64]| {
        Chart::bars(
            id,
            title.to_owned(),
            values,
            |v| v.to_string(),
            month_hover,
            month_tick,
        )
    };
    if let Some(new_clients) = &data.new_clients {
        charts.push(month_chart(
            "chart-clients",
            "New clients per month",
            new_clients,
        ));
    }
    if let Some(in_use) = &data.services_in_use {
        charts.push(month_chart(
            "chart-services",
            "Services in use at each month's end",
            in_use,
        ));
    }
    charts
}

/// "3 h 20 min", "2 d 4 h" of business time.
pub fn waited(minutes: &i64) -> String {
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageContext,
    pub data: AdminDashboard,
    pub charts: Vec<Chart>,
}

impl DashboardPage {
    pub fn money(
        &self,
        minor: &i64,
        exponent: &i32,
        currency: &str,
    ) -> crate::domain::money::Money {
        crate::domain::money::Money::from_minor(*minor, *exponent, currency)
    }

    /// At most `cap` counted: "1000+" beyond.
    pub fn capped(&self, n: &i64) -> String {
        if *n > crate::domain::tickets::QUEUE_COUNT_CAP {
            format!("{}+", crate::domain::tickets::QUEUE_COUNT_CAP)
        } else {
            n.to_string()
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    ctx: PageContext,
) -> Result<DashboardPage, WebError> {
    let actor = staff.actor;
    let cache = state.dashboard.clone();
    let now = crate::db::now();
    let data = state
        .db(move |conn| dashboard::admin_dashboard(conn, &actor, &cache, now))
        .await?;
    let charts = charts(&data, now.date());
    Ok(DashboardPage { ctx, data, charts })
}
