//! The `client_search` index: one lower-cased document per client, searched by substring
//! through SQLite FTS5's trigram tokenizer or PostgreSQL's pg_trgm GIN index. Each engine
//! has its own statement; both are served by an index, never by a scan of every client.

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

impl ClientSearch {
    /// Replaces the client's document.
    pub fn set(conn: &mut DbConnection, client_id: ClientId, document: &str) -> QueryResult<()> {
        match conn {
            DbConnection::Sqlite(c) => {
                diesel::sql_query("DELETE FROM client_search WHERE rowid = ?")
                    .bind::<BigInt, _>(client_id.0)
                    .execute(c)?;
                diesel::sql_query("INSERT INTO client_search (rowid, document) VALUES (?, ?)")
                    .bind::<BigInt, _>(client_id.0)
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
        Ok(())
    }

    /// Removes the client's document (SQLite's FTS table has no foreign key to cascade).
    pub fn remove(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<()> {
        match conn {
            DbConnection::Sqlite(c) => {
                diesel::sql_query("DELETE FROM client_search WHERE rowid = ?")
                    .bind::<BigInt, _>(client_id.0)
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

    /// Ids of clients whose document contains `query` (at least three characters), newest
    /// first, at most `limit`.
    pub fn find(conn: &mut DbConnection, query: &str, limit: i64) -> QueryResult<Vec<ClientId>> {
        let query = query.trim().to_lowercase();
        let hits: Vec<Hit> = match conn {
            DbConnection::Sqlite(c) => {
                // A quoted FTS5 string: the trigram tokenizer matches it as a substring.
                let phrase = format!("\"{}\"", query.replace('"', "\"\""));
                diesel::sql_query(
                    "SELECT rowid AS id FROM client_search WHERE client_search MATCH ? \
                     ORDER BY rowid DESC LIMIT ?",
                )
                .bind::<Text, _>(phrase)
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
                     ORDER BY client_id DESC LIMIT $2",
                )
                .bind::<Text, _>(pattern)
                .bind::<BigInt, _>(limit)
                .load(c)?
            }
        };
        Ok(hits.into_iter().map(|h| ClientId(h.id)).collect())
    }
}
