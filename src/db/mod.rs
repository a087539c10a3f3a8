//! Database access: the connection type for both engines, the pool, migrations and transactions.
//! Nothing here knows about HTTP; the domain layer calls it with a borrowed connection.

pub mod id_list;
pub mod models;
pub mod paging;
pub mod schema;
pub mod sql_time;
pub mod sqlite_writer;

pub use id_list::InIdsExt;
pub use sql_time::{SqlTime, SqlTimeOrNull};

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// A connection to either engine; the variant is chosen by the database URL's scheme.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager>;
pub type PooledDb = PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs `$body` with `$c` bound to the engine's own connection, compiled once per engine.
/// Diesel's `MultiConnection` renders a query's SQL at every execution, even for a statement
/// it keeps prepared (about 5-8 % of a page or a payment); a query written this way is
/// rendered once per connection. For the queries every request or every payment runs.
macro_rules! on_engine {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_engine;

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A parsed `DATABASE_URL`: `sqlite://path/to/file.db` or `postgres://...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub engine: Engine,
    /// For SQLite the file path, for PostgreSQL the whole URL.
    pub target: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                engine: Engine::Postgres,
                target: url.to_owned(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                format!("DATABASE_URL must start with sqlite:// or postgres://, got {url:?}")
            })?;
        if path.is_empty() {
            return Err("DATABASE_URL names no SQLite file".into());
        }
        Ok(Self {
            engine: Engine::Sqlite,
            target: path.to_owned(),
        })
    }

    /// The URL without a password, for logs.
    pub fn redacted(&self) -> String {
        match self.engine {
            Engine::Sqlite => format!("sqlite://{}", self.target),
            Engine::Postgres => match (self.target.find("://"), self.target.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let userinfo = &self.target[scheme_end + 3..at];
                    let user = userinfo.split(':').next().unwrap_or("");
                    format!(
                        "{}{}@{}",
                        &self.target[..scheme_end + 3],
                        user,
                        &self.target[at + 1..]
                    )
                }
                _ => self.target.clone(),
            },
        }
    }
}

/// Opens connections of the engine named by the URL and prepares each one. Written by hand
/// (rather than diesel's manager) so a refused PostgreSQL connection reports its real cause.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

/// Settings applied to every SQLite connection: WAL so readers never wait for the writer,
/// FULL sync so a committed write survives a power cut (the file's writer connection commits
/// with NORMAL and flushes the log itself, see [`sqlite_writer`]), a busy timeout so writers
/// of other processes queue instead of failing, and a page cache. No mmap: a connection
/// that finds the file changed drops its cache, and with mmap that means unmapping the
/// whole map, which costs more under steady writes than reading the pages does.
/// The busy timeout comes first: switching a new file to WAL needs a lock that the pool's other
/// new connections may be holding.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -4096;
PRAGMA temp_store = MEMORY;";

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.url.engine {
            Engine::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Postgresql(conn))
            }
            Engine::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.url.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// Asked at checkout by the pools of `connect_lazily` (those of `connect` are checked
    /// by `checkout` instead). A SQLite connection is a file opened in this process and
    /// cannot be lost, so only a PostgreSQL connection is asked to answer.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        match conn {
            DbConnection::Sqlite(_) => Ok(()),
            DbConnection::Postgresql(c) => {
                c.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
            }
        }
    }

    /// A connection given back in the middle of a transaction (a panic inside one) must not
    /// be reused: it would hold SQLite's write lock, and its next "commit" would only release
    /// a savepoint.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        if std::thread::panicking() {
            return true;
        }
        let depth = match conn {
            DbConnection::Postgresql(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
        };
        !matches!(depth, Ok(None))
    }
}

/// Builds the pool. For SQLite the file's folder is created first (SQLite creates no folders).
pub fn connect(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, String> {
    if url.engine == Engine::Sqlite
        && let Some(dir) = Path::new(&url.target).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    }
    if url.engine == Engine::Sqlite {
        // WAL mode is kept in the file. Switch it once here, alone: the pool opens its
        // connections in parallel, and a new file cannot change mode under their locks.
        // Two servers creating the same file can still meet here, and SQLite does not always
        // wait on its busy handler for a journal-mode change, so retry for a few seconds.
        let manager = ConnectionManager { url: url.clone() };
        let mut attempts = 0;
        while let Err(e) = manager.connect() {
            attempts += 1;
            if attempts >= 50 || !e.to_string().contains("locked") {
                return Err(format!("cannot open {}: {e}", url.redacted()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Pool::builder()
        .max_size(max_size)
        // Fail fast instead of queueing forever when the database is gone or saturated.
        .connection_timeout(Duration::from_secs(3))
        // `checkout` checks connections, less often than at every checkout.
        .test_on_check_out(false)
        .build(ConnectionManager { url: url.clone() })
        .map_err(|e| format!("cannot connect to {}: {e}", url.redacted()))
}

/// The compile options of `.cargo/config.toml` that this build's SQLite lacks (none on
/// PostgreSQL). Cargo applies them only to a build started in billpanel's folder, and
/// does not override a `LIBSQLITE3_FLAGS` already in the environment.
pub fn missing_sqlite_options(conn: &mut DbConnection) -> Vec<&'static str> {
    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        used: i32,
    }
    let DbConnection::Sqlite(c) = conn else {
        return Vec::new();
    };
    ["ENABLE_QPSG", "DEFAULT_MEMSTATUS=0", "THREADSAFE=2"]
        .into_iter()
        .filter(|option| {
            diesel::sql_query("SELECT sqlite_compileoption_used(?) AS used")
                .bind::<diesel::sql_types::Text, _>(*option)
                .get_result::<Used>(c)
                .map_or(true, |u| u.used == 0)
        })
        .collect()
}

/// When a pooled connection last answered `checkout`'s check.
struct AnsweredAt(Instant);

/// A PostgreSQL connection that answered this recently is handed out without asking again.
/// After the server restarts, a connection handed out within this time fails its request
/// (diesel then marks it broken and the pool drops it); after it, the check finds the dead
/// connections before any request uses them.
const CHECK_AGAIN_AFTER: Duration = Duration::from_secs(2);

/// A connection from the server's pool that answers. r2d2 would ask each one `SELECT 1` at
/// every checkout: a network round trip with PostgreSQL, and a page takes two connections.
/// This asks only a PostgreSQL connection that has not answered for `CHECK_AGAIN_AFTER`, and
/// throws away one that does not answer to take another. A SQLite connection is never
/// asked: it is a file opened in this process and cannot be lost.
pub fn checkout(pool: &DbPool) -> Result<PooledDb, String> {
    let mut last_error = String::new();
    for _ in 0..=pool.max_size() {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        if matches!(*conn, DbConnection::Sqlite(_)) {
            return Ok(conn);
        }
        let answered_lately = PooledConnection::extensions(&conn)
            .get::<AnsweredAt>()
            .is_some_and(|at| at.0.elapsed() < CHECK_AGAIN_AFTER);
        if answered_lately {
            return Ok(conn);
        }
        match conn.batch_execute("SELECT 1") {
            Ok(()) => {
                PooledConnection::extensions_mut(&mut conn).insert(AnsweredAt(Instant::now()));
                return Ok(conn);
            }
            Err(e) => {
                // `has_broken` then keeps the pool from handing it out again.
                if let DbConnection::Postgresql(pg) = &mut *conn {
                    AnsiTransactionManager::transaction_manager_status_mut(pg).set_in_error();
                }
                last_error = e.to_string();
            }
        }
    }
    Err(format!("no connection answers: {last_error}"))
}

/// A pool that opens no connection until asked, waiting at most `timeout` for one. For
/// tools and tests that must start even when the database is down.
pub fn connect_lazily(url: &DatabaseUrl, max_size: u32, timeout: Duration) -> DbPool {
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        .build_unchecked(ConnectionManager { url: url.clone() })
}

/// Applies pending migrations under a lock, so two servers starting together on a fresh
/// database do not race: SQLite takes an exclusive transaction, PostgreSQL an advisory lock.
/// Returns the versions applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    fn apply<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<Vec<String>, String>
    where
        C: MigrationHarness<C::Backend> + Connection<TransactionManager = AnsiTransactionManager>,
    {
        let applied = conn
            .run_pending_migrations(migrations)
            .map_err(|e| format!("migration failed: {e}"))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    }
    fn finish<C>(conn: &mut C, result: Result<Vec<String>, String>) -> Result<Vec<String>, String>
    where
        C: Connection<TransactionManager = AnsiTransactionManager>,
    {
        match result {
            Ok(v) => AnsiTransactionManager::commit_transaction(conn)
                .map(|_| v)
                .map_err(|e| format!("cannot commit migrations: {e}")),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(conn);
                Err(e)
            }
        }
    }
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN EXCLUSIVE")
                .map_err(|e| format!("cannot lock the database for migrations: {e}"))?;
            let result = apply(c, SQLITE_MIGRATIONS);
            finish(c, result)
        }
        DbConnection::Postgresql(c) => {
            AnsiTransactionManager::begin_transaction(c)
                .map_err(|e| format!("cannot start migrations: {e}"))?;
            let locked = diesel::sql_query("SELECT pg_advisory_xact_lock(7468003)")
                .execute(c)
                .map_err(|e| format!("cannot lock the database for migrations: {e}"));
            let result = locked.and_then(|_| apply(c, POSTGRES_MIGRATIONS));
            finish(c, result)
        }
    }
}

/// Runs `f` in a transaction that writes. On SQLite it runs on the file's writer connection
/// ([`sqlite_writer`]), one at a time, starting with `BEGIN IMMEDIATE` so that the write lock
/// is taken up front and two writers queue instead of one failing halfway; it returns only
/// once the commit is on disk, flushed together with the commits of other writers. On
/// PostgreSQL it is an ordinary transaction, whose commits the server already flushes in
/// groups. Nested calls on the connection `f` is given use savepoints; a write transaction
/// on another connection inside `f` is refused on SQLite (it would wait for itself). If the
/// log cannot be flushed, the caller gets an error although its commit may be in the file,
/// and every later write is refused (see [`sqlite_writer`]).
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let c = match conn {
        DbConnection::Sqlite(c) => c,
        DbConnection::Postgresql(_) => return conn.transaction(f),
    };
    if AnsiTransactionManager::transaction_manager_status_mut(c)
        .transaction_depth()?
        .is_some()
    {
        return conn.transaction(f);
    }
    // A database in memory is its one connection.
    let Some(file) = sqlite_writer::of_connection(c)? else {
        return sqlite_transaction(conn, f);
    };
    file.flush.check().map_err(not_durable)?;
    let mut writer = file.writer()?;
    let value = sqlite_transaction(&mut writer, f)?;
    let ticket = file.flush.committed();
    drop(writer);
    file.flush.wait_durable(ticket).map_err(not_durable)?;
    Ok(value)
}

/// Looks up something that a request is about to report as already recorded: the payment
/// or order of a form sent twice. Another request's commit can be read before it is on
/// disk (SQLite's writer commits, then flushes: see [`sqlite_writer`]), and an answer
/// "payment #12 is recorded" must not outrun the flush that keeps #12 through a power cut.
/// So when `lookup` finds something, it is looked up again through the writer, and the
/// answer waits until every commit before it is flushed. Finding nothing costs one plain
/// read, as before. On PostgreSQL a commit is on disk before others can read it, and the
/// second lookup is an ordinary one.
pub fn recorded<T, F>(conn: &mut DbConnection, lookup: F) -> QueryResult<Option<T>>
where
    F: Fn(&mut DbConnection) -> QueryResult<Option<T>>,
{
    if lookup(conn)?.is_none() {
        return Ok(None);
    }
    write_transaction(conn, |conn| lookup(conn))
}

/// `BEGIN IMMEDIATE`, `f`, then `COMMIT`, or `ROLLBACK` when `f` or the commit fails.
fn sqlite_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    match f(conn) {
        Ok(value) => {
            match <DbConnection as Connection>::TransactionManager::commit_transaction(conn) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
                        conn,
                    );
                    Err(e.into())
                }
            }
        }
        Err(e) => {
            <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// A commit that cannot be made durable, as a database error (the cause is logged).
fn not_durable(cause: String) -> diesel::result::Error {
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::Unknown,
        Box::new(cause),
    )
}

/// Named locks for rules that read several rows before writing (the last administrator).
#[derive(Debug, Clone, Copy)]
pub enum LockKey {
    StaffChanges = 1,
}

/// Takes `key` until the transaction ends. On PostgreSQL a transaction-level advisory lock;
/// on SQLite nothing, since write transactions there already run one at a time.
pub fn lock(conn: &mut DbConnection, key: LockKey) -> QueryResult<()> {
    match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock(7468000, {})",
            key as i32
        ))
        .execute(c)
        .map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// A page of a list ordered by (key, id), both descending, after a cursor at (k, n), read
/// in two index seeks: `same_key` the rows with key k and id below n, then `older` the rows
/// with a key below k, each given how many rows it may still add. One row-value condition
/// `(key, id) < (k, n)` does not start SQLite's walk of the index, and when many rows share
/// one key (a month's acts, a mailing) the page would walk all of them first.
pub fn page_after_cursor<C, R>(
    conn: &mut C,
    limit: i64,
    same_key: impl FnOnce(&mut C, i64) -> QueryResult<Vec<R>>,
    older: impl FnOnce(&mut C, i64) -> QueryResult<Vec<R>>,
) -> QueryResult<Vec<R>> {
    let mut rows = same_key(conn, limit)?;
    let left = limit - rows.len() as i64;
    if left > 0 {
        rows.extend(older(conn, left)?);
    }
    Ok(rows)
}

/// The current time as stored: UTC, truncated to microseconds so both engines keep it alike.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// True when a database error is a unique-key violation (a duplicate email, a second charge).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Moves the SQLite write-ahead log into the database file so it never grows without bound
/// under steady reads; a no-op on PostgreSQL.
/// `truncate` also shrinks the file; it waits for readers, so it is done rarely, and the
/// frequent passive checkpoint never blocks anyone.
pub fn checkpoint(conn: &mut DbConnection, truncate: bool) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) if truncate => c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)"),
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)"),
        DbConnection::Postgresql(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        let sqlite = DatabaseUrl::parse("sqlite://data/billpanel.db").unwrap();
        assert_eq!(sqlite.engine, Engine::Sqlite);
        assert_eq!(sqlite.target, "data/billpanel.db");
        let pg = DatabaseUrl::parse("postgres://bp:secret@db:5432/billpanel").unwrap();
        assert_eq!(pg.engine, Engine::Postgres);
        assert_eq!(pg.redacted(), "postgres://bp@db:5432/billpanel");
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn this_builds_sqlite_has_the_options_of_cargo_config() {
        let mut conn =
            DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        assert_eq!(missing_sqlite_options(&mut conn), Vec::<&str>::new());
    }

    #[test]
    fn ids_in_a_list_match_as_numbers_even_when_none_or_repeated() {
        use crate::db::InIdsExt;
        use crate::db::schema::currencies;
        let mut conn =
            DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        run_migrations(&mut conn).unwrap();
        let all: Vec<i64> = currencies::table
            .select(currencies::id)
            .order(currencies::id)
            .load(&mut conn)
            .unwrap();
        assert!(all.len() >= 2, "the default currencies");
        let found = |conn: &mut DbConnection, ids: Vec<i64>| -> Vec<i64> {
            currencies::table
                .filter(currencies::id.in_ids(ids))
                .select(currencies::id)
                .order(currencies::id)
                .load(conn)
                .unwrap()
        };
        assert_eq!(found(&mut conn, vec![]), Vec::<i64>::new());
        assert_eq!(
            found(&mut conn, vec![all[1], all[0], all[1], i64::MAX]),
            vec![all[0], all[1]]
        );
        assert_eq!(found(&mut conn, all.clone()), all);
    }
}
