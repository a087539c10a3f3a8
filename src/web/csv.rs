//! CSV exports: one field at a time, safe to open in a spreadsheet.

/// One CSV field: quoted when needed, and a leading = + - @ neutralised so a spreadsheet
/// never runs it as a formula.
pub fn field(value: &str) -> String {
    // A plain number (-12.00) is no formula: it stays a number the spreadsheet can add.
    let number = value.strip_prefix('-').is_some_and(|digits| {
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    });
    let value = if !number && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A row of fields, ended by CRLF.
pub fn row(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// An amount as a spreadsheet reads a number: `1500.50`, `-12.00`, never "1,500.50 RUB" (the
/// currency goes in a column of its own).
pub fn amount(minor: i64, exponent: i32) -> String {
    crate::domain::money::Money::from_minor(minor, exponent, "")
        .amount()
        .to_string()
}

/// How many rows each chunk of a download reads.
pub const CHUNK: i64 = 1000;

/// A CSV download streamed a chunk at a time: the header line, then the lines `chunk`
/// writes for the rows after the cursor it returned last (None at first), until it returns
/// no cursor. Each chunk takes an export turn, so a few downloads cannot take the pool from
/// every other page; an error ends the download (the file is then visibly cut short).
pub fn download<C, F>(
    state: actix_web::web::Data<crate::web::AppState>,
    file_name: &str,
    header: &str,
    chunk: F,
) -> actix_web::HttpResponse
where
    C: Send + 'static,
    F: Fn(
            &mut crate::db::DbConnection,
            Option<C>,
        ) -> Result<(String, Option<C>), crate::domain::DomainError>
        + Clone
        + Send
        + 'static,
{
    use actix_web::web::Bytes;
    enum Step<C> {
        Header(String),
        After(Option<C>),
    }
    let stream = futures_util::stream::unfold(Some(Step::Header(header.to_owned())), move |step| {
        let state = state.clone();
        let chunk = chunk.clone();
        async move {
            let at = match step? {
                Step::Header(line) => {
                    return Some((Ok(Bytes::from(line)), Some(Step::After(None))));
                }
                Step::After(at) => at,
            };
            let read = async {
                let _turn = state.export_turn().await?;
                state.db(move |conn| chunk(conn, at)).await
            }
            .await;
            match read {
                Ok((lines, next)) => Some((
                    Ok::<_, actix_web::Error>(Bytes::from(lines)),
                    next.map(|c| Step::After(Some(c))),
                )),
                Err(e) => {
                    tracing::error!("CSV download stopped: {e}");
                    Some((Err(e.into()), None))
                }
            }
        }
    });
    actix_web::HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_stay_numbers() {
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1+1"), "'-1+1");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("-12.00"), "-12.00");
        assert_eq!(field("-"), "'-");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(amount(-1200, 2), "-12.00");
        assert_eq!(amount(150_050, 2), "1500.50");
        assert_eq!(amount(7, 0), "7");
    }
}
