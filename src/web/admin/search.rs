//! `/admin/search`: the header's search box. One hit opens it; several are listed by kind.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::domain::money::Money;
use crate::domain::search::{self, Found};
use crate::web::identity::Staff;
use crate::web::page::{self, PageContext};
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/search.html")]
pub struct SearchPage {
    pub ctx: PageContext,
    pub q: String,
    pub found: Found,
}

impl SearchPage {
    pub fn money(&self, minor: &i64, exponent: &i32, currency: &str) -> Money {
        Money::from_minor(*minor, *exponent, currency)
    }

    /// The client list searching the same words, for more clients than listed here.
    pub fn clients_href(&self) -> String {
        crate::web::list::href("/admin/clients", &[("q", self.q.trim())])
    }
}

/// The address of the only thing found, if only one was.
fn only_hit(found: &Found) -> Option<String> {
    if found.count() != 1 || found.more_clients {
        return None;
    }
    let href = |path: &str, id: String| format!("/admin/{path}/{id}");
    found
        .clients
        .first()
        .map(|c| href("clients", c.client.id.to_string()))
        .or_else(|| {
            found
                .payments
                .first()
                .map(|p| href("payments", p.id.to_string()))
        })
        .or_else(|| {
            found
                .services
                .first()
                .map(|s| href("services", s.service.id.to_string()))
        })
        .or_else(|| {
            found
                .tickets
                .first()
                .map(|t| href("tickets", t.id.to_string()))
        })
        .or_else(|| {
            found
                .documents
                .first()
                .map(|d| href("documents", d.id.to_string()))
        })
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    ctx: PageContext,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, WebError> {
    let q = query.into_inner().q;
    let actor = staff.actor;
    let _turn = if q.trim().is_empty() {
        None
    } else {
        Some(state.search_turn().await?)
    };
    let words = q.clone();
    let found = state
        .db(move |conn| search::everywhere(conn, &actor, &words))
        .await?;
    if let Some(href) = only_hit(&found) {
        return Ok(page::redirect(&href));
    }
    page::render_with(StatusCode::OK, &SearchPage { ctx, q, found })
}
