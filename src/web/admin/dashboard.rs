//! `/admin`: the admin dashboard: money, services, support, charts and recent activity,
//! each part for those who may see it.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDate;

use crate::domain::dashboard::{self, AdminDashboard};
use crate::web::identity::Staff;
use crate::web::page::PageContext;
use crate::web::{AppState, WebError};

/// A bar chart drawn as SVG on the server: bars placed here, drawn by the template.
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    /// Said to screen readers in place of the bars.
    pub summary: String,
    pub bars: Vec<Bar>,
    /// The largest value, as shown at the top of the scale.
    pub top: String,
}

pub struct Bar {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    /// Shown on hover: "7 Dec: 1,200.00 RUB".
    pub title: String,
    /// Under the bar, for some bars only (every month, every seventh day).
    pub tick: Option<String>,
    pub tick_x: String,
}

/// The drawing's size in its own units; the page scales it to the card's width.
pub const WIDTH: f64 = 300.0;
pub const HEIGHT: f64 = 112.0;
/// The bars' height; the ticks go under it.
pub const PLOT: f64 = 94.0;

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
        let max = values.iter().copied().max().unwrap_or(0).max(1);
        let slot = WIDTH / values.len().max(1) as f64;
        let width = (slot * 0.7).max(1.0);
        let bars = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let height = (*v).max(0) as f64 / max as f64 * PLOT;
                let x = i as f64 * slot + (slot - width) / 2.0;
                Bar {
                    x: format!("{x:.1}"),
                    y: format!("{:.1}", PLOT - height),
                    width: format!("{width:.1}"),
                    height: format!("{height:.1}"),
                    title: format!("{}: {}", label(i), shown(*v)),
                    tick: tick(i),
                    tick_x: format!("{:.1}", i as f64 * slot + slot / 2.0),
                }
            })
            .collect();
        let total: i64 = values.iter().sum();
        Chart {
            id,
            summary: format!("{title}: {} in all, {} at most", shown(total), shown(max)),
            title,
            bars,
            top: shown(values.iter().copied().max().unwrap_or(0)),
        }
    }
}

fn month_label(month: NaiveDate) -> String {
    month.format("%b %Y").to_string()
}

/// The charts the viewer may see.
fn charts(data: &AdminDashboard, today: NaiveDate) -> Vec<Chart> {
    let mut charts = Vec::new();
    for money in data.money.iter().flatten() {
        let days = money.days.len();
        let day = |i: usize| today - chrono::Duration::days((days - 1 - i) as i64);
        charts.push(Chart::bars(
            "chart-days",
            format!("Payments received per day, {}", money.code),
            &money.days,
            |v| money.money(&v).to_string(),
            |i| day(i).format("%-d %b").to_string(),
            |i| ((days - 1 - i) % 7 == 0).then(|| day(i).format("%-d %b").to_string()),
        ));
        charts.push(Chart::bars(
            "chart-months",
            format!("Payments received per month, {}", money.code),
            &money.months,
            |v| money.money(&v).to_string(),
            |i| {
                data.months
                    .get(i)
                    .map(|m| month_label(*m))
                    .unwrap_or_default()
            },
            |i| data.months.get(i).map(|m| m.format("%b").to_string()),
        ));
    }
    let month_chart = |id, title: &str, values: &[i64]| {
        Chart::bars(
            id,
            title.to_owned(),
            values,
            |v| v.to_string(),
            |i| {
                data.months
                    .get(i)
                    .map(|m| month_label(*m))
                    .unwrap_or_default()
            },
            |i| data.months.get(i).map(|m| m.format("%b").to_string()),
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
