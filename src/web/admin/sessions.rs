//! Employees sign in at `/admin/login` and out at `/admin/logout`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::auth::{self, Area, Login};
use crate::web::forms::Form;
use crate::web::identity::{self, Identity, Staff, Visitor};
use crate::web::page::{self, Flash, PageContext};
use crate::web::public::sessions::{
    NextQuery, SecondFactorForm, SignInForm, SignInPage, password_accepted, refusal_message,
    second_factor, second_factor_form,
};
use crate::web::{AppState, WebError};

fn admin_page(ctx: PageContext, email: String, next: String, error: String) -> SignInPage {
    SignInPage {
        ctx,
        area_title: "Staff sign-in",
        action: "/admin/login",
        email,
        next,
        error,
        show_register: false,
        forgot: "/admin/password/forgot",
    }
}

pub async fn new(ctx: PageContext, query: web::Query<NextQuery>) -> Result<HttpResponse, WebError> {
    match ctx.identity {
        Some(Identity::Employee { .. }) => return Ok(page::redirect("/admin")),
        Some(Identity::Impersonating { .. }) => return Ok(page::redirect("/client/impersonation")),
        _ => {}
    }
    let page = admin_page(ctx, String::new(), query.into_inner().next, String::new());
    page::render_with(StatusCode::OK, &page)
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    ctx: PageContext,
    visitor: Visitor,
    form: Form<SignInForm>,
) -> Result<HttpResponse, WebError> {
    let SignInForm {
        email,
        password,
        next,
    } = form.into_inner();
    let ip = visitor.actor.ip.clone();
    let login_email = email.clone();
    let outcome = state
        .db_with_password_work(move |conn| {
            Ok::<_, WebError>(auth::check_employee_password(
                conn,
                &ip,
                &login_email,
                &password,
            ))
        })
        .await?;
    match outcome {
        Ok(employee) => {
            let target = page::safe_next(Area::Admin, &next).unwrap_or("/admin");
            password_accepted(&state, &session, &req, Login::Employee(employee), target).await
        }
        Err(refusal) => {
            let (status, message) = refusal_message(refusal).await?;
            page::render_with(status, &admin_page(ctx, email, next, message))
        }
    }
}

pub async fn two_factor_form(session: Session, ctx: PageContext) -> Result<HttpResponse, WebError> {
    second_factor_form(&session, ctx, Area::Admin).await
}

pub async fn two_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    ctx: PageContext,
    form: Form<SecondFactorForm>,
) -> Result<HttpResponse, WebError> {
    let code = form.into_inner().code;
    second_factor(&state, &session, &req, ctx, Area::Admin, code).await
}

pub async fn destroy(
    state: web::Data<AppState>,
    session: Session,
    staff: Staff,
) -> Result<HttpResponse, WebError> {
    let actor = staff.actor;
    state.db(move |conn| auth::sign_out(conn, &actor)).await?;
    identity::end_session(&session);
    Flash::success("You have signed out.").set(&session);
    Ok(page::redirect("/admin/login"))
}
