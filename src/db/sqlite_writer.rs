//! SQLite's writer: each database file has one connection of its own that runs every write
//! transaction of this process, one at a time, and its commits are made durable in groups.
//!
//! **One connection writes.** SQLite lets one transaction write at a time anyway. Running them
//! all on one connection keeps its page cache warm: a connection that finds the file changed
//! by another drops its whole cache, so writes spread over the pool's connections re-read
//! every page they touch. Waiting on this connection's lock, each writer is woken the moment
//! the one before commits (SQLite's busy handler would make it sleep in steps of up to
//! 100 ms).
//!
//! **Group commit.** With `synchronous = FULL` every commit waits for its own `fsync` while
//! holding the write lock. The writer commits with `synchronous = NORMAL` (the log is written,
//! not flushed), lets the next writer in, and only then waits in [`WalFlush::wait_durable`]
//! until the log is flushed. One flush covers every commit written before it starts, so the
//! writers that committed while a flush was running share the next one.
//!
//! What stays true:
//! - A transaction's caller hears "committed" only after its commit is on disk: a payment
//!   that was answered survives a power cut.
//! - The log is written in commit order, so after a crash the database holds a prefix of the
//!   commits: never a later commit without an earlier one it built on.
//! - SQLite still flushes the log before each checkpoint and the file after it, as it does
//!   with `NORMAL`, so the file itself is always whole.
//! - Another request may read a commit before it is on disk: for the rest of the flush
//!   running when it committed and the next one (a fraction of a millisecond to a few
//!   milliseconds, by disk). A power cut in that moment loses the commit, and its own request
//!   was never answered.
//! - Writes outside [`write_transaction`](super::write_transaction) (there should be none
//!   but migrations and the demo seed) run on pooled connections with `synchronous = FULL`.
//!
//! A failed flush cannot be retried safely (Linux may forget the pages it could not write),
//! so after one every later write transaction on that file is refused until billpanel is
//! restarted, as PostgreSQL does. The caller whose flush failed gets an error although its
//! commit may be in the file; the refusal keeps anyone from building on it.
//!
//! The file is looked up by its path. Replacing the database file (a restore) while the
//! server runs is not supported: stop it first.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::r2d2::ManageConnection;
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::{ConnectionManager, DatabaseUrl, DbConnection, Engine};

/// The log of one database file and the commits waiting for its flush.
#[derive(Debug)]
pub struct WalFlush {
    wal: PathBuf,
    /// The log, opened once before the first commit it must cover and kept: Linux reports a
    /// failed write-back to every descriptor open when it happened, but not to one opened
    /// after another descriptor (the checkpoint's) has seen the error.
    log: OnceLock<File>,
    state: Mutex<FlushState>,
    flushed: Condvar,
    /// Milliseconds each flush is held back: only tests set it (`delay_flushes`), to see
    /// that no answer about a commit outruns the commit's flush.
    delay_ms: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
struct FlushState {
    /// Commits counted so far; a commit's ticket is the count it made.
    committed: u64,
    /// Every commit up to this ticket is on disk.
    durable: u64,
    /// A thread is flushing the log now.
    flushing: bool,
    /// Flushes done, for the tests.
    flushes: u64,
    /// Why the log could not be flushed once; from then on nothing is durable.
    failed: Option<String>,
}

impl WalFlush {
    fn new(database: &str) -> Self {
        Self {
            wal: PathBuf::from(format!("{database}-wal")),
            log: OnceLock::new(),
            state: Mutex::new(FlushState::default()),
            flushed: Condvar::new(),
            delay_ms: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn state(&self) -> MutexGuard<'_, FlushState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refuses a write after a flush has failed: its commit could never be made durable.
    pub fn check(&self) -> Result<(), String> {
        match &self.state().failed {
            Some(cause) => Err(cause.clone()),
            None => Ok(()),
        }
    }

    /// The log's descriptor, opened at the first call.
    fn open_log(&self) -> std::io::Result<&File> {
        if let Some(log) = self.log.get() {
            return Ok(log);
        }
        let log = File::open(&self.wal)?;
        Ok(self.log.get_or_init(|| log))
    }

    /// Counts a commit whose `COMMIT` has returned; the ticket to wait on.
    pub fn committed(&self) -> u64 {
        let mut state = self.state();
        state.committed += 1;
        state.committed
    }

    /// Waits until the commit with `ticket` is on disk. When no other thread is flushing,
    /// this one flushes, for every commit counted so far.
    pub fn wait_durable(&self, ticket: u64) -> Result<(), String> {
        let mut state = self.state();
        loop {
            if let Some(cause) = &state.failed {
                return Err(cause.clone());
            }
            if state.durable >= ticket {
                return Ok(());
            }
            if state.flushing {
                state = self.flushed.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            state.flushing = true;
            let covered = state.committed;
            drop(state);
            // `sync_data` is fdatasync(2): it flushes the file's data and its length, from any
            // descriptor of the file.
            let delay = self.delay_ms.load(std::sync::atomic::Ordering::Relaxed);
            if delay > 0 {
                std::thread::sleep(std::time::Duration::from_millis(delay));
            }
            let outcome = self.open_log().and_then(|log| log.sync_data());
            state = self.state();
            state.flushing = false;
            state.flushes += 1;
            match outcome {
                Ok(()) => state.durable = state.durable.max(covered),
                Err(e) => {
                    let cause = format!(
                        "cannot flush {} to disk ({e}); billpanel refuses every write until it is restarted",
                        self.wal.display()
                    );
                    tracing::error!("{cause}");
                    state.failed = Some(cause);
                }
            }
            self.flushed.notify_all();
        }
    }

    /// (commits counted, flushes done), for the tests.
    pub fn counts(&self) -> (u64, u64) {
        let state = self.state();
        (state.committed, state.flushes)
    }
}

/// Holds back every later flush of the file `conn` has open by `by`, as a slow disk would.
/// For tests only: they check that an answer about a commit waits for its flush.
#[doc(hidden)]
pub fn delay_flushes(conn: &mut DbConnection, by: std::time::Duration) -> QueryResult<()> {
    if let DbConnection::Sqlite(c) = conn
        && let Some(file) = of_connection(c)?
    {
        file.flush
            .delay_ms
            .store(by.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(())
}

/// One database file of this process: its writer connection and its log.
pub struct SqliteFile {
    path: String,
    /// The file's device and inode when first seen: a file deleted and created again under
    /// the same name is another database.
    identity: (u64, u64),
    /// The connection that runs every write transaction; its lock is the write lock.
    /// Opened at the first write.
    writer: Mutex<Option<DbConnection>>,
    pub flush: WalFlush,
}

impl std::fmt::Debug for SqliteFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteFile")
            .field("path", &self.path)
            .finish()
    }
}

/// The writer's own page cache (KiB): larger than a pooled connection's, since every write
/// of the process goes through it.
const WRITER_CACHE_KIB: i64 = 16 * 1024;

impl SqliteFile {
    /// Takes the write lock and hands out the writer connection, opening it if there is none
    /// (the first write, or the last holder left it broken and it was closed).
    pub fn writer(&self) -> QueryResult<WriterGuard<'_>> {
        if HOLDS_WRITER.get() {
            // The lock is not re-entrant: this thread would wait for itself.
            return Err(not_opened(
                &self.path,
                "a write transaction was started on another connection inside a write transaction",
            ));
        }
        let lock = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        HOLDS_WRITER.set(true);
        // From here on, dropping the guard clears the flag.
        let mut writer = WriterGuard(lock);
        if writer.0.is_none() {
            let url = DatabaseUrl {
                engine: Engine::Sqlite,
                target: self.path.clone(),
            };
            let mut conn = ConnectionManager { url }
                .connect()
                .map_err(|e| not_opened(&self.path, &e.to_string()))?;
            conn.batch_execute(&format!(
                "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -{WRITER_CACHE_KIB};"
            ))?;
            // The log exists once a connection is in WAL mode; open it before the first
            // commit it must cover.
            self.flush
                .open_log()
                .map_err(|e| not_opened(&self.path, &e.to_string()))?;
            *writer.0 = Some(conn);
        }
        Ok(writer)
    }
}

thread_local! {
    /// Whether this thread holds a writer now.
    static HOLDS_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The writer connection, held under the write lock.
pub struct WriterGuard<'a>(MutexGuard<'a, Option<DbConnection>>);

impl Drop for WriterGuard<'_> {
    /// A writer left inside a transaction (a panic in the middle of one) is closed at once,
    /// which rolls the transaction back and frees SQLite's write lock for the checkpoint
    /// and for other processes; the next write opens a new one.
    fn drop(&mut self) {
        let left_open = match self.0.as_mut() {
            Some(DbConnection::Sqlite(c)) => !matches!(
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth(),
                Ok(None)
            ),
            _ => false,
        };
        if left_open || std::thread::panicking() {
            *self.0 = None;
        }
        HOLDS_WRITER.set(false);
    }
}

impl std::ops::Deref for WriterGuard<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        self.0
            .as_ref()
            .expect("the writer is opened before it is handed out")
    }
}

impl std::ops::DerefMut for WriterGuard<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.0
            .as_mut()
            .expect("the writer is opened before it is handed out")
    }
}

fn not_opened(path: &str, e: &str) -> diesel::result::Error {
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::UnableToSendCommand,
        Box::new(format!("cannot open a writer on {path}: {e}")),
    )
}

/// `SELECT` the path of the file a connection has open as `main`, as a statement SQLite
/// keeps prepared (diesel re-prepares a query written with `sql`).
#[derive(Debug, Clone, Copy, QueryId)]
struct MainFile;

impl Query for MainFile {
    type SqlType = Text;
}

impl QueryFragment<Sqlite> for MainFile {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("SELECT file FROM pragma_database_list WHERE name = 'main'");
        Ok(())
    }
}

impl RunQueryDsl<SqliteConnection> for MainFile {}

fn identity(path: &str) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The file `conn` has open as `main`; `None` for a database in memory. One per file for the
/// whole process, since all its connections share the write lock and the log.
pub fn of_connection(conn: &mut SqliteConnection) -> QueryResult<Option<Arc<SqliteFile>>> {
    static FILES: OnceLock<Mutex<HashMap<String, Arc<SqliteFile>>>> = OnceLock::new();
    let path: String = MainFile.get_result(conn)?;
    if path.is_empty() {
        return Ok(None);
    }
    let Some(now) = identity(&path) else {
        return Ok(None);
    };
    let mut files = FILES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(file) = files.get(&path)
        && file.identity == now
    {
        return Ok(Some(file.clone()));
    }
    // A new file: forget the ones deleted or replaced since (a test's database), closing
    // their writers.
    files.retain(|path, file| identity(path) == Some(file.identity));
    let file = Arc::new(SqliteFile {
        flush: WalFlush::new(&path),
        path: path.clone(),
        identity: now,
        writer: Mutex::new(None),
    });
    files.insert(path, file.clone());
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{self, DbPool};

    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn number(conn: &mut DbConnection, sql: &str) -> i64 {
        diesel::sql_query(sql).get_result::<Number>(conn).unwrap().n
    }

    fn pool_on_a_file() -> (tempfile::TempDir, DbPool) {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}/w.db", dir.path().display())).unwrap();
        let pool = db::connect(&url, 2).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (x INTEGER NOT NULL)")
            .unwrap();
        (dir, pool)
    }

    fn insert(conn: &mut DbConnection, x: i64) -> QueryResult<usize> {
        diesel::sql_query(format!("INSERT INTO t (x) VALUES ({x})")).execute(conn)
    }

    #[test]
    fn writes_run_on_the_files_writer_and_pooled_connections_keep_flushing_their_own() {
        let (_dir, pool) = pool_on_a_file();
        let mut a = pool.get().unwrap();
        let mut b = pool.get().unwrap();
        let DbConnection::Sqlite(raw) = &mut *a else {
            unreachable!()
        };
        let file = of_connection(raw).unwrap().expect("a file, not memory");
        let (before, _) = file.flush.counts();
        let inside = db::write_transaction(&mut a, |conn| {
            insert(conn, 1)?;
            Ok::<_, diesel::result::Error>(number(
                conn,
                "SELECT synchronous AS n FROM pragma_synchronous",
            ))
        })
        .unwrap();
        // The writer commits without flushing (NORMAL = 1); the pooled connection still
        // flushes a write of its own (FULL = 2).
        assert_eq!(inside, 1);
        assert_eq!(
            number(&mut a, "SELECT synchronous AS n FROM pragma_synchronous"),
            2
        );
        assert_eq!(file.flush.counts().0, before + 1);
        assert_eq!(file.flush.state().durable, before + 1);
        assert_eq!(number(&mut b, "SELECT count(*) AS n FROM t"), 1);
        // Both pooled connections share one file, one writer and one log.
        let DbConnection::Sqlite(raw_b) = &mut *b else {
            unreachable!()
        };
        assert!(Arc::ptr_eq(&file, &of_connection(raw_b).unwrap().unwrap()));
    }

    #[test]
    fn a_write_that_fails_or_panics_leaves_nothing_and_the_next_one_works() {
        let (_dir, pool) = pool_on_a_file();
        let mut conn = pool.get().unwrap();
        let failed = db::write_transaction(&mut conn, |conn| {
            insert(conn, 1)?;
            Err::<(), _>(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            db::write_transaction(&mut conn, |conn| {
                insert(conn, 2)?;
                panic!("a bug in the middle of a write");
                #[allow(unreachable_code)]
                Ok::<_, diesel::result::Error>(())
            })
        }));
        assert!(panicked.is_err());
        // The panicked writer was closed at once: SQLite's write lock is free for a write of
        // another connection that will not wait for it.
        let mut other = pool.get().unwrap();
        other.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        insert(&mut other, 0).unwrap();
        db::write_transaction(&mut conn, |conn| insert(conn, 3)).unwrap();
        assert_eq!(number(&mut conn, "SELECT sum(x) AS n FROM t"), 3);
    }

    #[test]
    fn a_write_transaction_on_another_connection_inside_one_is_refused_not_a_hang() {
        let (_dir, pool) = pool_on_a_file();
        let mut conn = pool.get().unwrap();
        let mut other = pool.get().unwrap();
        let inner = db::write_transaction(&mut conn, |conn| {
            insert(conn, 1)?;
            Ok::<_, diesel::result::Error>(db::write_transaction(&mut other, |c| insert(c, 2)))
        })
        .unwrap();
        let error = inner.unwrap_err().to_string();
        assert!(error.contains("inside a write transaction"), "{error}");
        // The outer one committed, and the thread can write again.
        db::write_transaction(&mut other, |c| insert(c, 4)).unwrap();
        assert_eq!(number(&mut conn, "SELECT sum(x) AS n FROM t"), 5);
    }

    #[test]
    fn a_database_in_memory_writes_on_its_own_connection() {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        conn.batch_execute("CREATE TABLE t (x INTEGER NOT NULL)")
            .unwrap();
        let DbConnection::Sqlite(raw) = &mut conn else {
            unreachable!()
        };
        assert!(of_connection(raw).unwrap().is_none());
        db::write_transaction(&mut conn, |conn| insert(conn, 5)).unwrap();
        assert_eq!(number(&mut conn, "SELECT sum(x) AS n FROM t"), 5);
    }

    fn log_in_temp_dir(name: &str) -> (tempfile::TempDir, WalFlush) {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join(name);
        std::fs::write(dir.path().join(format!("{name}-wal")), b"frames").unwrap();
        let flush = WalFlush::new(database.to_str().unwrap());
        (dir, flush)
    }

    #[test]
    fn a_commit_is_answered_after_a_flush_that_began_after_it() {
        let (_dir, flush) = log_in_temp_dir("one.db");
        let first = flush.committed();
        flush.wait_durable(first).unwrap();
        assert_eq!(flush.counts(), (1, 1));
        // Already durable: no second flush.
        flush.wait_durable(first).unwrap();
        assert_eq!(flush.counts(), (1, 1));
        let second = flush.committed();
        flush.wait_durable(second).unwrap();
        assert_eq!(flush.counts(), (2, 2));
    }

    #[test]
    fn commits_counted_before_a_flush_share_it() {
        let (_dir, flush) = log_in_temp_dir("shared.db");
        let tickets: Vec<u64> = (0..5).map(|_| flush.committed()).collect();
        flush.wait_durable(tickets[0]).unwrap();
        for ticket in &tickets[1..] {
            flush.wait_durable(*ticket).unwrap();
        }
        assert_eq!(flush.counts(), (5, 1));
    }

    #[test]
    fn many_writers_each_wait_for_their_own_commit() {
        let (_dir, flush) = log_in_temp_dir("many.db");
        let flush = Arc::new(flush);
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let flush = flush.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let ticket = flush.committed();
                        flush.wait_durable(ticket).unwrap();
                        assert!(flush.state().durable >= ticket);
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let (committed, flushes) = flush.counts();
        assert_eq!(committed, 400);
        assert!((1..=400).contains(&flushes), "{flushes} flushes");
    }

    #[test]
    fn after_a_failed_flush_every_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        // No log file: the flush fails.
        let flush = WalFlush::new(dir.path().join("gone.db").to_str().unwrap());
        assert!(flush.check().is_ok());
        let ticket = flush.committed();
        let error = flush.wait_durable(ticket).unwrap_err();
        assert!(error.contains("gone.db-wal"), "{error}");
        assert!(flush.check().is_err());
        let next = flush.committed();
        assert!(flush.wait_durable(next).is_err());
    }
}
