//! The `client_search` index: one lower-cased document per client, and its words in
//! `client_search_terms`. A search first looks for words that start with the query (a tax
//! id, an email, a surname: one range of a B-tree, however common its letters are); when no
//! word does, it looks for the query anywhere in the document through SQLite FTS5's trigram
//! tokenizer or PostgreSQL's pg_trgm GIN index. Both are served by an index, never by a scan
//! of every client.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConnection;
use crate::ids::ClientId;

/// Shortest query the trigram indexes can serve.
pub const MIN_QUERY_CHARS: usize = 3;

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

pub struct ClientSearch;

/// The words of a search document, each once: what `client_search_terms` holds of it (the
/// migration that made the table splits the same way).
pub fn terms(document: &str) -> std::collections::BTreeSet<&str> {
    document
        .split(' ')
        .filter(|w| !w.is_empty() && *w != "|")
        .collect()
}

/// The `n`th bind parameter (from 1) as the engine writes it.
fn param(conn: &DbConnection, n: usize) -> String {
    match conn {
        DbConnection::Sqlite(_) => "?".into(),
        DbConnection::Postgresql(_) => format!("${n}"),
    }
}

/// The key of a client's document in SQLite's FTS5 table: its id negated, so that FTS5's
/// natural ascending order is newest first, the order every search pages in. (FTS5 reads
/// a descending order by walking each trigram's list backwards, which costs much more.)
fn fts_key(client_id: ClientId) -> i64 {
    -client_id.0
}

/// The first string after every string that starts with `prefix`, in byte order.
fn past_prefix(prefix: &str) -> String {
    format!("{prefix}{}", char::MAX)
}

impl ClientSearch {
    /// Replaces the client's document and its words. The document first: on PostgreSQL its
    /// upsert locks the client's row, so two changes to one client replace the words in turn.
    pub fn set(conn: &mut DbConnection, client_id: ClientId, document: &str) -> QueryResult<()> {
        match conn {
            DbConnection::Sqlite(c) => {
                diesel::sql_query("DELETE FROM client_search WHERE rowid = ?")
                    .bind::<BigInt, _>(fts_key(client_id))
                    .execute(c)?;
                diesel::sql_query("INSERT INTO client_search (rowid, document) VALUES (?, ?)")
                    .bind::<BigInt, _>(fts_key(client_id))
                    .bind::<Text, _>(document)
                    .execute(c)?;
            }
            DbConnection::Postgresql(c) => {
                diesel::sql_query(
                    "INSERT INTO client_search (client_id, document) VALUES ($1, $2) \
                     ON CONFLICT (client_id) DO UPDATE SET document = EXCLUDED.document",
                )
                .bind::<BigInt, _>(client_id.0)
                .bind::<Text, _>(document)
                .execute(c)?;
            }
        }
        Self::set_terms(conn, client_id, document)
    }

    fn remove_terms(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<()> {
        diesel::sql_query(format!(
            "DELETE FROM client_search_terms WHERE client_id = {}",
            client_id.0
        ))
        .execute(conn)?;
        Ok(())
    }

    fn set_terms(conn: &mut DbConnection, client_id: ClientId, document: &str) -> QueryResult<()> {
        Self::remove_terms(conn, client_id)?;
        let words = terms(document);
        if words.is_empty() {
            return Ok(());
        }
        let values = (1..=words.len())
            .map(|n| format!("({}, {})", param(conn, n), client_id.0))
            .collect::<Vec<_>>()
            .join(", ");
        let mut insert = diesel::sql_query(format!(
            "INSERT INTO client_search_terms (term, client_id) VALUES {values}"
        ))
        .into_boxed();
        for word in words {
            insert = insert.bind::<Text, _>(word);
        }
        insert.execute(conn)?;
        Ok(())
    }

    /// Removes the client's document (SQLite's FTS table has no foreign key to cascade).
    pub fn remove(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<()> {
        Self::remove_terms(conn, client_id)?;
        match conn {
            DbConnection::Sqlite(c) => {
                diesel::sql_query("DELETE FROM client_search WHERE rowid = ?")
                    .bind::<BigInt, _>(fts_key(client_id))
                    .execute(c)?
            }
            DbConnection::Postgresql(c) => {
                diesel::sql_query("DELETE FROM client_search WHERE client_id = $1")
                    .bind::<BigInt, _>(client_id.0)
                    .execute(c)?
            }
        };
        Ok(())
    }

    /// Ids of clients below `before` (all when `None`), newest first, at most `limit`, that
    /// match `query` (at least three characters), and whether only the starts of words were
    /// searched. Unless `anywhere`, a query with a digit or an `@` (a tax id, a phone, an
    /// email) first looks for words that start with it, and when some client has one, those
    /// clients are the answer (the page says so, and offers the search `anywhere`);
    /// otherwise, as for names, the query is looked for anywhere in the document.
    pub fn find(
        conn: &mut DbConnection,
        query: &str,
        anywhere: bool,
        before: Option<ClientId>,
        limit: i64,
    ) -> QueryResult<(Vec<ClientId>, bool)> {
        let query = query.trim().to_lowercase();
        let identifier = !anywhere
            && !query.contains(' ')
            && query.chars().any(|c| c.is_ascii_digit() || c == '@');
        // On the first page the word search tells by itself whether any word starts with
        // the query; a later page asks first, so that it searches as the first page did.
        if identifier && (before.is_none() || Self::some_word_starts_with(conn, &query)?) {
            let by_word = Self::by_word_start(conn, &query, before, limit)?;
            if before.is_some() || !by_word.is_empty() {
                return Ok((by_word, true));
            }
        }
        let before = before.map_or(i64::MAX, |id| id.0);
        let hits: Vec<Hit> = match conn {
            DbConnection::Sqlite(c) => {
                // A quoted FTS5 string: the trigram tokenizer matches it as a substring.
                // Ascending keys are the newest clients first (see `fts_key`).
                let phrase = format!("\"{}\"", query.replace('"', "\"\""));
                diesel::sql_query(
                    "SELECT -rowid AS id FROM client_search WHERE client_search MATCH ? \
                     AND rowid > ? ORDER BY rowid LIMIT ?",
                )
                .bind::<Text, _>(phrase)
                .bind::<BigInt, _>(-before)
                .bind::<BigInt, _>(limit)
                .load(c)?
            }
            DbConnection::Postgresql(c) => {
                let pattern = format!(
                    "%{}%",
                    query
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                );
                diesel::sql_query(
                    "SELECT client_id AS id FROM client_search WHERE document LIKE $1 \
                     AND client_id < $2 ORDER BY client_id DESC LIMIT $3",
                )
                .bind::<Text, _>(pattern)
                .bind::<BigInt, _>(before)
                .bind::<BigInt, _>(limit)
                .load(c)?
            }
        };
        Ok((hits.into_iter().map(|h| ClientId(h.id)).collect(), false))
    }

    /// Clients below `before` with a word that starts with `prefix`, newest first.
    fn by_word_start(
        conn: &mut DbConnection,
        prefix: &str,
        before: Option<ClientId>,
        limit: i64,
    ) -> QueryResult<Vec<ClientId>> {
        let hits: Vec<Hit> = diesel::sql_query(format!(
            "SELECT DISTINCT client_id AS id FROM client_search_terms \
             WHERE term >= {} AND term < {} AND client_id < {} ORDER BY client_id DESC LIMIT {}",
            param(conn, 1),
            param(conn, 2),
            param(conn, 3),
            param(conn, 4)
        ))
        .bind::<Text, _>(prefix)
        .bind::<Text, _>(past_prefix(prefix))
        .bind::<BigInt, _>(before.map_or(i64::MAX, |id| id.0))
        .bind::<BigInt, _>(limit)
        .load(conn)?;
        Ok(hits.into_iter().map(|h| ClientId(h.id)).collect())
    }

    fn some_word_starts_with(conn: &mut DbConnection, prefix: &str) -> QueryResult<bool> {
        let found: Vec<Hit> = diesel::sql_query(format!(
            "SELECT client_id AS id FROM client_search_terms WHERE term >= {} AND term < {} LIMIT 1",
            param(conn, 1),
            param(conn, 2)
        ))
        .bind::<Text, _>(prefix)
        .bind::<Text, _>(past_prefix(prefix))
        .load(conn)?;
        Ok(!found.is_empty())
    }
}
