#include "transferstore.h"
#include "transferstore_transaction.h"

#include "logging.h"

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

// The schema and its migrations: version i + 1 is version i plus steps[i].

namespace Background {

bool TransferStore::migrate()
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return fail(NetworkResponse::Error::StoreError,
                    QStringLiteral("Cannot read the schema version of %1").arg(m_path));
    const int version = q.value(0).toInt();
    q.finish();
    if (version > SchemaVersion)
        return failUnusable(
                QStringLiteral("The transfer store %1 has schema version %2, newer than this "
                               "library's %3")
                        .arg(m_path)
                        .arg(version)
                        .arg(SchemaVersion));
    // Other programs set user_version too; only our tables and columns make it a store.
    bool busy = false;
    const auto isOurs = [&](const QString &columns) {
        const bool ours = q.exec(QStringLiteral("SELECT %1 FROM transfers LIMIT 0").arg(columns))
                          && q.exec(QStringLiteral("SELECT owner_token, pid, boot_id, started_at, "
                                                   "heartbeat FROM leases LIMIT 0"));
        busy = !ours && isBusy(q.lastError());
        q.finish();
        return ours;
    };
    const QString firstColumns = QStringLiteral(
            "identifier, url, destination, partial_path, state, durable_offset, attempts");
    if (version > 0 && !isOurs(version == SchemaVersion ? columns() : firstColumns)) {
        if (busy) // locked by another process for longer than the busy timeout: not foreign
            return fail(NetworkResponse::Error::StoreError,
                        QStringLiteral("The transfer store %1 is locked by another process")
                                .arg(m_path));
        return failUnusable(QStringLiteral("%1 is an SQLite database of another application, not a "
                                           "transfer store; it was left untouched")
                                    .arg(m_path));
    }
    if (version == SchemaVersion)
        return true;
    if (version == 0) {
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !q.next())
            return fail(NetworkResponse::Error::StoreError,
                        QStringLiteral("Cannot read the transfer store %1").arg(m_path));
        if (q.value(0).toInt() > 0)
            return failUnusable(
                    QStringLiteral("%1 is an SQLite database of another application, not a "
                                   "transfer store; it was left untouched")
                            .arg(m_path));
        q.finish();
    }

    // Step i takes the schema from version i to i + 1; all steps run in one transaction.
    static const QList<QStringList> steps = {
            {QStringLiteral("CREATE TABLE transfers ("
                            " identifier TEXT PRIMARY KEY NOT NULL,"
                            " url BLOB NOT NULL,"
                            " destination TEXT NOT NULL,"
                            " partial_path TEXT NOT NULL,"
                            " request_headers BLOB NOT NULL DEFAULT '',"
                            " expected_sha256 BLOB NOT NULL DEFAULT '',"
                            " state INTEGER NOT NULL DEFAULT 0,"
                            " durable_offset INTEGER NOT NULL DEFAULT 0,"
                            " checkpoint_boot_id BLOB NOT NULL DEFAULT '',"
                            " total INTEGER NOT NULL DEFAULT -1,"
                            " etag BLOB NOT NULL DEFAULT '',"
                            " last_modified BLOB NOT NULL DEFAULT '',"
                            " attempts INTEGER NOT NULL DEFAULT 0,"
                            " counted_attempts INTEGER NOT NULL DEFAULT 0,"
                            " next_attempt_at INTEGER NOT NULL DEFAULT 0,"
                            " last_error TEXT NOT NULL DEFAULT '',"
                            " resumed_from INTEGER NOT NULL DEFAULT 0,"
                            " outcome INTEGER, http_status INTEGER, error INTEGER,"
                            " error_string TEXT, retry_after INTEGER, response_headers BLOB,"
                            " bytes INTEGER,"
                            " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)"),
             QStringLiteral("CREATE TABLE leases ("
                            " identifier TEXT PRIMARY KEY NOT NULL,"
                            " owner_token TEXT NOT NULL,"
                            " pid INTEGER NOT NULL,"
                            " boot_id BLOB NOT NULL,"
                            " started_at INTEGER NOT NULL,"
                            " heartbeat INTEGER NOT NULL)")},
            // 2: uploads
            {QStringLiteral("ALTER TABLE transfers ADD COLUMN kind INTEGER NOT NULL DEFAULT 0"),
             QStringLiteral(
                     "ALTER TABLE transfers ADD COLUMN upload_spec BLOB NOT NULL DEFAULT ''"),
             QStringLiteral(
                     "ALTER TABLE transfers ADD COLUMN fingerprint BLOB NOT NULL DEFAULT ''"),
             QStringLiteral("ALTER TABLE transfers ADD COLUMN response_body BLOB"),
             QStringLiteral("ALTER TABLE transfers ADD COLUMN response_body_path TEXT")},
            // 3: tus uploads remember the upload URL the server created
            {QStringLiteral(
                    "ALTER TABLE transfers ADD COLUMN remote_url BLOB NOT NULL DEFAULT ''")},
            // 4: the queue (priority, first come first served, pause across restarts)
            {QStringLiteral("ALTER TABLE transfers ADD COLUMN priority INTEGER NOT NULL DEFAULT 1"),
             QStringLiteral("ALTER TABLE transfers ADD COLUMN paused INTEGER NOT NULL DEFAULT 0"),
             QStringLiteral("ALTER TABLE transfers ADD COLUMN seq INTEGER NOT NULL DEFAULT 0"),
             QStringLiteral(
                     "ALTER TABLE transfers ADD COLUMN needs_credentials INTEGER NOT NULL DEFAULT 0"),
             QStringLiteral("UPDATE transfers SET seq = rowid"),
             QStringLiteral("CREATE INDEX transfers_unfinished ON transfers (kind, state)"),
             // The next seq and the restore's pages in seq order, without a scan per row.
             QStringLiteral("CREATE INDEX transfers_seq ON transfers (seq)")},
    };
    static_assert(SchemaVersion == 4, "add a migration step");

    Transaction tx(this);
    if (!tx.isActive())
        return fail(NetworkResponse::Error::StoreError,
                    QStringLiteral("Cannot write the transfer store %1").arg(m_path));
    bool ok = true;
    for (int v = version; ok && v < SchemaVersion; ++v) {
        for (const QString &sql : steps.at(v))
            ok = ok && exec(sql);
    }
    ok = ok && exec(QStringLiteral("PRAGMA user_version = %1").arg(SchemaVersion));
    if (!ok || !tx.commit())
        return fail(NetworkResponse::Error::StoreError,
                    QStringLiteral("Cannot bring the schema of %1 from version %2 to %3")
                            .arg(m_path)
                            .arg(version)
                            .arg(SchemaVersion));
    qCDebug(lcStore) << "schema" << version << "->" << SchemaVersion << "in" << m_path;
    return true;
}

} // namespace Background
