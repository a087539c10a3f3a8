//! `/admin/mail-templates`: the texts of the mail billpanel sends, per notice and language,
//! for every provider or for one (`mail.templates`): the list, a template's page with its
//! placeholders and a preview, saving, and going back to the shipped text.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::db::models::mail_template::MailTemplate;
use crate::db::models::provider::ProviderChoice;
use crate::domain::FieldErrors;
use crate::domain::mail::templates::{self, LANGUAGES, Letter, Notice};
use crate::domain::permissions::perm;
use crate::ids::ProviderId;
use crate::web::forms::{Form, Outcome};
use crate::web::identity::Require;
use crate::web::page::{self, Flash, PageContext};
use crate::web::{AppState, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "admin/mail_templates/index.html")]
pub struct MailTemplatesPage {
    pub ctx: PageContext,
    pub notices: &'static [&'static Notice],
    pub languages: &'static [(&'static str, &'static str)],
    pub edited: Vec<MailTemplate>,
    pub providers: Vec<ProviderChoice>,
}

impl MailTemplatesPage {
    /// Whether staff edited the notice's template in `language` for every provider.
    pub fn is_edited(&self, notice: &Notice, language: &str) -> bool {
        self.edited
            .iter()
            .any(|t| t.notice == notice.key && t.language == language && t.provider_id.is_none())
    }

    /// The providers with their own template of the notice, as a list of names.
    pub fn provider_names(&self, notice: &Notice) -> String {
        let mut names: Vec<String> = self
            .edited
            .iter()
            .filter(|t| t.notice == notice.key)
            .filter_map(|t| t.provider_id)
            .filter_map(|id| self.providers.iter().find(|p| p.id == id))
            .map(|p| p.name.clone())
            .collect();
        names.sort();
        names.dedup();
        names.join(", ")
    }

    pub fn for_staff(&self, notice: &Notice) -> bool {
        notice.audience == templates::Audience::Staff
    }

    pub fn audience(&self, notice: &Notice) -> &'static str {
        match notice.audience {
            templates::Audience::Client => "Client",
            templates::Audience::Staff => "Staff",
        }
    }
}

pub async fn index(
    state: web::Data<AppState>,
    staff: Require<perm::MailTemplates>,
    ctx: PageContext,
) -> Result<MailTemplatesPage, WebError> {
    let actor = staff.actor.clone();
    let (edited, providers) = state
        .db(move |conn| {
            Ok::<_, crate::domain::DomainError>((
                templates::edited(conn, &actor)?,
                templates::providers(conn, &actor)?,
            ))
        })
        .await?;
    Ok(MailTemplatesPage {
        ctx,
        notices: templates::NOTICES,
        languages: LANGUAGES,
        edited,
        providers,
    })
}

/// A template's address: the notice and the language.
#[derive(Debug, Deserialize)]
pub struct TemplatePath {
    pub notice: String,
    pub language: String,
}

impl TemplatePath {
    fn resolve(&self) -> Result<(&'static Notice, &'static str), WebError> {
        let notice = templates::notice(&self.notice).ok_or(WebError::NotFound)?;
        let language = LANGUAGES
            .iter()
            .map(|(code, _)| *code)
            .find(|code| *code == self.language)
            .ok_or(WebError::NotFound)?;
        Ok((notice, language))
    }
}

/// Which provider's template: none for every provider.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProviderQuery {
    pub provider: String,
}

/// Notices to staff are written in English for every provider (employees choose no
/// language yet): their other versions would never be used, so they have no page.
fn staff_notice_in_english(
    notice: &Notice,
    language: &str,
    provider: Option<ProviderId>,
) -> Result<(), WebError> {
    match notice.audience {
        templates::Audience::Staff if language != "en" || provider.is_some() => {
            Err(WebError::NotFound)
        }
        _ => Ok(()),
    }
}

/// A provider id from a query or a form: "" for every provider; anything else that is not
/// a number answers 404 like a provider that does not exist.
fn provider_of(raw: &str) -> Result<Option<ProviderId>, WebError> {
    match raw.trim() {
        "" => Ok(None),
        raw => raw
            .parse::<i64>()
            .map(|id| Some(ProviderId(id)))
            .map_err(|_| WebError::NotFound),
    }
}

/// The page of a notice's template in a language, for one provider or every provider.
fn address(notice: &Notice, language: &str, provider: Option<ProviderId>) -> String {
    let base = format!("/admin/mail-templates/{}/{language}", notice.key);
    match provider {
        Some(id) => format!("{base}?provider={id}"),
        None => base,
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    pub provider: String,
    pub subject: String,
    pub body: String,
    /// `preview` shows the template with sample values; anything else saves it.
    pub action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/mail_templates/edit.html")]
pub struct MailTemplatePage {
    pub ctx: PageContext,
    pub notice: &'static Notice,
    pub language: &'static str,
    pub languages: &'static [(&'static str, &'static str)],
    pub provider: Option<ProviderId>,
    pub providers: Vec<ProviderChoice>,
    pub form: TemplateForm,
    pub errors: FieldErrors,
    /// Staff saved this template (for this provider, or for every provider).
    pub edited: bool,
    pub preview: Option<Letter>,
}

impl MailTemplatePage {
    pub fn language_name(&self) -> &'static str {
        LANGUAGES
            .iter()
            .find(|(code, _)| *code == self.language)
            .map(|(_, name)| *name)
            .unwrap_or("")
    }

    pub fn provider_name(&self) -> String {
        self.provider
            .and_then(|id| self.providers.iter().find(|p| p.id == id))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "every provider".to_owned())
    }

    /// This template's address, for another provider or none.
    pub fn address(&self, provider: Option<ProviderId>) -> String {
        address(self.notice, self.language, provider)
    }

    /// Staff notices have one version: English, for every provider.
    pub fn for_staff(&self) -> bool {
        self.notice.audience == templates::Audience::Staff
    }

    pub fn is_provider(&self, id: &ProviderId) -> bool {
        self.provider == Some(*id)
    }
}

#[allow(clippy::too_many_arguments)]
async fn template_page(
    state: &AppState,
    staff: &Require<perm::MailTemplates>,
    ctx: PageContext,
    notice: &'static Notice,
    language: &'static str,
    provider: Option<ProviderId>,
    form: Option<TemplateForm>,
    errors: FieldErrors,
    preview: Option<Letter>,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor.clone();
    let (text, providers) = state
        .db(move |conn| {
            let providers = templates::providers(conn, &actor)?;
            if let Some(id) = provider
                && !providers.iter().any(|p| p.id == id)
            {
                return Err(crate::domain::DomainError::NotFound);
            }
            Ok((
                templates::get(conn, &actor, notice, language, provider)?,
                providers,
            ))
        })
        .await?;
    let form = form.unwrap_or_else(|| TemplateForm {
        provider: provider.map(|id| id.to_string()).unwrap_or_default(),
        subject: text.subject.clone(),
        body: text.body.clone(),
        action: String::new(),
    });
    page::render_with(
        page::FORM_SHOWN_AGAIN,
        &MailTemplatePage {
            ctx,
            notice,
            language,
            languages: LANGUAGES,
            provider,
            providers,
            form,
            errors,
            edited: text.edited.is_some(),
            preview,
        },
    )
}

pub async fn edit(
    state: web::Data<AppState>,
    staff: Require<perm::MailTemplates>,
    ctx: PageContext,
    path: web::Path<TemplatePath>,
    query: web::Query<ProviderQuery>,
) -> Result<HttpResponse, WebError> {
    let (notice, language) = path.resolve()?;
    let provider = provider_of(&query.provider)?;
    staff_notice_in_english(notice, language, provider)?;
    template_page(
        &state,
        &staff,
        ctx,
        notice,
        language,
        provider,
        None,
        FieldErrors::new(),
        None,
    )
    .await
}

/// `POST`: previews the template as typed, or saves it.
pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::MailTemplates>,
    ctx: PageContext,
    path: web::Path<TemplatePath>,
    form: Form<TemplateForm>,
) -> Result<HttpResponse, WebError> {
    let (notice, language) = path.resolve()?;
    let form = form.into_inner();
    let provider = provider_of(&form.provider)?;
    staff_notice_in_english(notice, language, provider)?;
    if form.action == "preview" {
        let (preview, errors) = match templates::preview(notice, &form.subject, &form.body) {
            Ok(letter) => (Some(letter), FieldErrors::new()),
            Err(errors) => (None, errors),
        };
        return template_page(
            &state,
            &staff,
            ctx,
            notice,
            language,
            provider,
            Some(form),
            errors,
            preview,
        )
        .await;
    }
    let actor = staff.actor.clone();
    let (subject, body) = (form.subject.clone(), form.body.clone());
    match state
        .attempt(move |conn| {
            templates::save(conn, &actor, notice, language, provider, &subject, &body)
        })
        .await?
    {
        Outcome::Done(()) => {
            Flash::success(format!("The template “{}” is saved.", notice.label)).set(&session);
            Ok(page::redirect(&address(notice, language, provider)))
        }
        Outcome::Invalid(errors) => {
            template_page(
                &state,
                &staff,
                ctx,
                notice,
                language,
                provider,
                Some(form),
                errors,
                None,
            )
            .await
        }
    }
}

/// `POST …/restore`: forgets the saved template; the shipped text (or, for a provider, the
/// template for every provider) is in force again.
pub async fn restore(
    state: web::Data<AppState>,
    session: Session,
    staff: Require<perm::MailTemplates>,
    path: web::Path<TemplatePath>,
    form: Form<ProviderQuery>,
) -> Result<HttpResponse, WebError> {
    let (notice, language) = path.resolve()?;
    let provider = provider_of(&form.into_inner().provider)?;
    let actor = staff.actor.clone();
    let restored = state
        .db(move |conn| templates::restore(conn, &actor, notice, language, provider))
        .await?;
    if restored {
        Flash::success(match provider {
            Some(_) => "The provider's own template is removed: the template for every provider is used again.",
            None => "The shipped text is used again.",
        })
        .set(&session);
    }
    Ok(page::redirect(&address(notice, language, provider)))
}
