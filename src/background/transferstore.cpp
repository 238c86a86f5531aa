#include "transferstore.h"
#include "transferrowcodec.h"
#include "transferstore_statement.h"
#include "transferstore_transaction.h"

#include "fileops.h"
#include "logging.h"

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QThread>
#include <QtCore/QUuid>
#include <QtCore/QVariant>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

namespace Background {

namespace {

using RowCodec::encodeHeaders;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// QtSql binds a null QByteArray or QString as SQL NULL, which the NOT NULL columns refuse.
QByteArray notNull(const QByteArray &value)
{
    return value.isNull() ? QByteArray("") : value;
}
QString notNull(const QString &value)
{
    return value.isNull() ? QString(QLatin1String("")) : value;
}

const char kColumns[]
        = "identifier, url, destination, partial_path, request_headers, expected_sha256, "
          "state, durable_offset, checkpoint_boot_id, total, etag, last_modified, "
          "attempts, counted_attempts, next_attempt_at, last_error, resumed_from, "
          "outcome, http_status, error, error_string, retry_after, response_headers, "
          "bytes, kind, upload_spec, fingerprint, response_body, response_body_path, remote_url, "
          "priority, paused, seq, needs_credentials";

TransferRow rowFromQuery(const QSqlQuery &q)
{
    QVariantList values;
    values.reserve(RowCodec::ColumnCount);
    for (int i = 0; i < RowCodec::ColumnCount; ++i)
        values.append(q.value(i));
    return RowCodec::rowFromValues(values);
}

// What neither TransferRow::toInfo() nor the engine's snapshot of a row reads.
bool shownInInfo(int column)
{
    switch (column) {
    case RowCodec::PartialPath:
    case RowCodec::RequestHeaders:
    case RowCodec::ExpectedSha256:
    case RowCodec::CheckpointBootId:
    case RowCodec::ETag:
    case RowCodec::LastModified:
    case RowCodec::CountedAttempts:
    case RowCodec::UploadSpec:
    case RowCodec::Fingerprint:
    case RowCodec::Seq:
    case RowCodec::NeedsCredentials:
        return false;
    default:
        return true;
    }
}

} // namespace

QLatin1String TransferStore::columns()
{
    return QLatin1String(kColumns);
}

TransferInfo TransferRow::toInfo() const
{
    TransferInfo info;
    info.identifier = identifier;
    info.kind = kind;
    info.url = url;
    info.localPath = destination;
    info.remoteUrl = remoteUrl;
    info.state = paused && state != TransferInfo::State::Finished ? TransferInfo::State::Paused
                                                                  : state;
    info.priority = priority;
    info.bytesReceived = result ? result->bytes() : durableOffset;
    info.bytesTotal = result && result->isSuccess() ? result->bytes() : total;
    info.attempts = attempts;
    if (state == TransferInfo::State::Waiting)
        info.nextAttemptAt = QDateTime::fromMSecsSinceEpoch(nextAttemptAt, Qt::UTC);
    info.lastError = result ? result->errorString() : lastError;
    info.result = result;
    return info;
}

TransferStore::TransferStore(const QString &path)
    : m_path(QFileInfo(path).absoluteFilePath())
    , m_connectionName(QStringLiteral("background-store-")
                       + QUuid::createUuid().toString(QUuid::WithoutBraces))
{}

TransferStore::~TransferStore()
{
    if (QSqlDatabase::contains(m_connectionName)) {
        m_statements.clear();
        {
            QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

QString TransferStore::path() const
{
    return m_path;
}
bool TransferStore::isOpen() const
{
    return m_open;
}
NetworkResponse::Error TransferStore::error() const
{
    return m_error;
}
QString TransferStore::errorString() const
{
    return m_errorString;
}

bool TransferStore::fail(NetworkResponse::Error error, const QString &message)
{
    m_error = error;
    m_errorString = message;
    qCWarning(lcStore).noquote() << message;
    return false;
}

bool TransferStore::failUnusable(const QString &message)
{
    m_unusable = true;
    return fail(NetworkResponse::Error::StoreError,
                message
                        + QStringLiteral(" (Background::recoverStore() or bgtransfer --recover "
                                         "moves it aside and starts a new store)"));
}

bool TransferStore::isUnusable() const
{
    return m_unusable;
}

bool TransferStore::isBusy(const QSqlError &error)
{
    const QString code = error.nativeErrorCode();
    return code == QLatin1String("5") || code == QLatin1String("6");
}

TransferStore::Statement TransferStore::statement(const QString &sql)
{
    std::shared_ptr<QSqlQuery> &cached = m_statements[sql];
    if (cached && !cached->isActive())
        return Statement(cached);
    // New, or still in use further up the stack: a query of its own.
    auto query = std::make_shared<QSqlQuery>(QSqlDatabase::database(m_connectionName, false));
    if (!query->prepare(sql) || cached)
        return Statement(query);
    cached = query;
    return Statement(cached);
}

bool TransferStore::exec(const QString &sql)
{
    Statement q = statement(sql);
    if (q->exec())
        return true;
    qCWarning(lcStore).noquote() << "statement failed:" << sql << q->lastError().text();
    return false;
}

// Writes that only record progress (a checkpoint, an attempt's state, a lease's heartbeat)
// skip the WAL's fsync: after a power loss an older value of each is still true (a partial
// file's bytes are fsynced before their offset is recorded; leases die with the boot).
// saveEntity() only when asked: new validators that follow a truncation must be durable, or
// an old ETag with an old offset over a new entity's bytes would let a resume mix two
// entities; a transfer's first validators replace none. The
// next FULL commit, or SQLite's own WAL checkpoint, makes them durable; a process killed
// without a power loss loses none of them.
bool TransferStore::execProgress(QSqlQuery &q)
{
    const RelaxedSync relaxed(this);
    return q.exec();
}

bool TransferStore::open()
{
    if (m_open)
        return true;
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        return fail(NetworkResponse::Error::StoreError,
                    QStringLiteral("The Qt SQLite driver (QSQLITE) is not available"));
    }
    const QFileInfo info(m_path);
    QDir dir = info.absoluteDir();
    if (!dir.exists()) {
        if (!dir.mkpath(QStringLiteral(".")))
            return fail(NetworkResponse::Error::StoreError,
                        QStringLiteral("Cannot create the directory of the transfer store %1")
                                .arg(dir.path()));
        FileOps::makePrivate(dir.path(), true);
    }
    if (!info.exists()) {
        // Create it ourselves so SQLite's -wal and -shm inherit the owner-only mode.
        QFile f(m_path);
        if (!f.open(QIODevice::WriteOnly))
            return fail(NetworkResponse::Error::StoreError,
                        QStringLiteral("Cannot create the transfer store %1: %2")
                                .arg(m_path, f.errorString()));
        f.close();
    }
    FileOps::makePrivate(m_path, false);

    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(m_path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (!db.open())
        return fail(NetworkResponse::Error::StoreError,
                    QStringLiteral("Cannot open the transfer store %1: %2")
                            .arg(m_path, db.lastError().text()));

    // A garbage file opens fine and fails at the first query; find out now, not mid-transfer.
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA quick_check")) || !q.next()
        || q.value(0).toString() != QLatin1String("ok")) {
        const QSqlError error = q.lastError();
        const QString why = error.isValid() ? error.text() : q.value(0).toString();
        q.finish();
        m_statements.clear();
        db.close();
        // SQLITE_NOTADB and SQLITE_CORRUPT are the file's fault; others (locked, I/O,
        // permissions) are not, and moving the file aside would not help.
        const QString code = error.nativeErrorCode();
        if (error.isValid() && code != QLatin1String("26") && code != QLatin1String("11"))
            return fail(NetworkResponse::Error::StoreError,
                        QStringLiteral("Cannot read the transfer store %1: %2").arg(m_path, why));
        return failUnusable(QStringLiteral("The transfer store %1 is corrupt or not a database "
                                           "(%2); it was left untouched")
                                    .arg(m_path, why));
    }
    q.finish();
    if (!migrate()) {
        m_statements.clear();
        db.close();
        return false;
    }
    exec(QStringLiteral("PRAGMA journal_mode=WAL"));
    // FULL: a committed result survives power loss, at one fsync per commit (progress
    // writes relax it: see execProgress()).
    exec(QStringLiteral("PRAGMA synchronous=FULL"));
    m_open = true;
    return true;
}

std::optional<TransferRow> TransferStore::find(const QString &identifier)
{
    if (!m_open)
        return std::nullopt;
    static const QString sql = QStringLiteral("SELECT %1 FROM transfers WHERE identifier = ?")
                                       .arg(QLatin1String(kColumns));
    Statement q = statement(sql);
    q->addBindValue(identifier);
    if (!q->exec() || !q->next())
        return std::nullopt;
    return rowFromQuery(*q);
}

QList<TransferRow> TransferStore::all(std::optional<TransferInfo::Kind> kind)
{
    QList<TransferRow> rows;
    readAll(kind, false, [&rows](const TransferRow &row) { rows.append(row); });
    return rows;
}

void TransferStore::forEachInfoRow(std::optional<TransferInfo::Kind> kind,
                                   const std::function<void(const TransferRow &)> &visit)
{
    readAll(kind, true, visit);
}

void TransferStore::readAll(std::optional<TransferInfo::Kind> kind,
                            bool infoOnly,
                            const std::function<void(const TransferRow &)> &visit)
{
    if (!m_open)
        return;
    // Columns left out are neither sorted nor converted, and reach the codec as null.
    const QStringList names = QString::fromLatin1(kColumns).split(QStringLiteral(", "));
    Q_ASSERT(names.size() == RowCodec::ColumnCount);
    QStringList selected;
    QList<int> codecColumns; // of each selected one
    for (int c = 0; c < RowCodec::ColumnCount; ++c) {
        if (!infoOnly || shownInInfo(c)) {
            selected.append(names.at(c));
            codecColumns.append(c);
        }
    }
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM transfers WHERE ? < 0 OR kind = ? "
                             "ORDER BY created_at, identifier")
                      .arg(selected.join(QStringLiteral(", "))));
    q.addBindValue(kind ? int(*kind) : -1);
    q.addBindValue(kind ? int(*kind) : -1);
    if (!q.exec())
        return;
    QVariantList values(RowCodec::ColumnCount); // reused from row to row
    while (q.next()) {
        for (qsizetype i = 0; i < codecColumns.size(); ++i)
            values[codecColumns.at(i)] = q.value(int(i));
        visit(RowCodec::rowFromValues(values));
    }
}

QStringList TransferStore::unfinishedIdentifiers(TransferInfo::Kind kind)
{
    QStringList ids;
    if (!m_open)
        return ids;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT identifier FROM transfers WHERE state != ? AND kind = ? "
                             "ORDER BY created_at, identifier"));
    q.addBindValue(int(TransferInfo::State::Finished));
    q.addBindValue(int(kind));
    if (!q.exec())
        return ids;
    while (q.next())
        ids.append(q.value(0).toString());
    return ids;
}

std::optional<Lease> TransferStore::lease(const QString &identifier)
{
    if (!m_open)
        return std::nullopt;
    Statement q = statement(
            QStringLiteral("SELECT owner_token, pid, boot_id, started_at, heartbeat FROM leases "
                           "WHERE identifier = ?"));
    q->addBindValue(identifier);
    if (!q->exec() || !q->next())
        return std::nullopt;
    Lease l;
    l.ownerToken = q->value(0).toString();
    l.pid = q->value(1).toLongLong();
    l.bootId = q->value(2).toByteArray();
    l.startedAt = q->value(3).toLongLong();
    l.heartbeat = q->value(4).toLongLong();
    return l;
}

TransferStore::Claim TransferStore::claim(const TransferRow &fresh,
                                          const Lease &me,
                                          qint64 leaseTimeoutMs,
                                          const std::function<bool(const Lease &)> &ownerIsDead,
                                          TransferRow *row,
                                          bool mayInsert)
{
    if (!m_open)
        return Claim::Error;
    Transaction tx(this, Sync::Relaxed); // see enqueue()
    if (!tx.isActive())
        return Claim::Error;
    std::optional<TransferRow> existing = mayInsert ? insertIfNew(fresh) : find(fresh.identifier);
    if (!existing)
        return mayInsert ? Claim::Error : Claim::Missing;
    *row = *existing;
    if (existing->url != fresh.url || existing->destination != fresh.destination
        || existing->kind != fresh.kind)
        return Claim::Conflict;
    if (existing->state == TransferInfo::State::Finished)
        return Claim::Finished;
    if (existing->paused)
        return Claim::Paused;

    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (const std::optional<Lease> held = lease(fresh.identifier)) {
        const bool ours = held->ownerToken == me.ownerToken;
        const bool stale = me.heartbeat - held->heartbeat > leaseTimeoutMs;
        if (!ours && !stale && !ownerIsDead(*held))
            return Claim::HeldByOther;
        if (!ours)
            qCInfo(lcStore) << "taking over the lease of" << fresh.identifier << "from pid"
                            << held->pid << (stale ? "(stale heartbeat)" : "(owner gone)");
    }
    Statement up = statement(
            QStringLiteral("INSERT OR REPLACE INTO leases (identifier, owner_token, pid, "
                           "boot_id, started_at, heartbeat) VALUES (?, ?, ?, ?, ?, ?)"));
    up->addBindValue(fresh.identifier);
    up->addBindValue(me.ownerToken);
    up->addBindValue(me.pid);
    up->addBindValue(notNull(me.bootId));
    up->addBindValue(me.startedAt);
    up->addBindValue(me.heartbeat);
    if (!up->exec() || !tx.commit())
        return Claim::Error;
    return Claim::Acquired;
}

std::optional<TransferRow> TransferStore::insertIfNew(const TransferRow &fresh)
{
    // A one-column probe first: reading a whole row costs QtSql a field description per
    // column, and the row is read once below anyway.
    bool exists = false;
    {
        Statement probe = statement(QStringLiteral("SELECT 1 FROM transfers WHERE identifier = ?"));
        probe->addBindValue(fresh.identifier);
        if (!probe->exec())
            return std::nullopt;
        exists = probe->next();
    }
    if (exists)
        return find(fresh.identifier);
    Statement ins = statement(QStringLiteral(
            "INSERT INTO transfers (identifier, url, destination, partial_path, request_headers, "
            "expected_sha256, state, created_at, updated_at, kind, upload_spec, fingerprint, "
            "priority, needs_credentials, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM transfers))"));
    const qint64 now = nowMs();
    ins->addBindValue(fresh.identifier);
    ins->addBindValue(fresh.url.toEncoded());
    ins->addBindValue(fresh.destination);
    ins->addBindValue(fresh.partialPath);
    ins->addBindValue(notNull(encodeHeaders(fresh.requestHeaders)));
    ins->addBindValue(notNull(fresh.expectedSha256));
    ins->addBindValue(int(TransferInfo::State::Queued));
    ins->addBindValue(now);
    ins->addBindValue(now);
    ins->addBindValue(int(fresh.kind));
    ins->addBindValue(notNull(fresh.uploadSpec));
    ins->addBindValue(notNull(fresh.fingerprint));
    ins->addBindValue(int(fresh.priority));
    ins->addBindValue(fresh.needsCredentials ? 1 : 0);
    if (!ins->exec()) {
        qCWarning(lcStore) << "insert failed:" << ins->lastError().text();
        return std::nullopt;
    }
    return find(fresh.identifier);
}

TransferStore::Claim TransferStore::enqueue(const TransferRow &fresh, TransferRow *row)
{
    if (!m_open)
        return Claim::Error;
    // Relaxed: a power loss may forget a transfer asked for since the last FULL commit (the next
    // result's commit makes every earlier one durable). The app asks for it again after the
    // restart, as it does for any unfinished transfer, and it starts over; a killed process
    // loses nothing.
    Transaction tx(this, Sync::Relaxed);
    if (!tx.isActive())
        return Claim::Error;
    const std::optional<TransferRow> existing = insertIfNew(fresh);
    if (!existing || !tx.commit())
        return Claim::Error;
    *row = *existing;
    if (existing->url != fresh.url || existing->destination != fresh.destination
        || existing->kind != fresh.kind)
        return Claim::Conflict;
    if (existing->state == TransferInfo::State::Finished)
        return Claim::Finished;
    return existing->paused ? Claim::Paused : Claim::Queued;
}

bool TransferStore::heartbeat(const QString &ownerToken, qint64 now)
{
    if (!m_open)
        return false;
    Statement q
            = statement(QStringLiteral("UPDATE leases SET heartbeat = ? WHERE owner_token = ?"));
    q->addBindValue(now);
    q->addBindValue(ownerToken);
    return m_open && execProgress(*q);
}

bool TransferStore::releaseLease(const QString &identifier, const QString &ownerToken)
{
    if (!m_open)
        return false;
    Statement q = statement(
            QStringLiteral("DELETE FROM leases WHERE identifier = ? AND owner_token = ?"));
    q->addBindValue(identifier);
    q->addBindValue(ownerToken);
    return m_open && execProgress(*q);
}

bool TransferStore::releaseAllLeases(const QString &ownerToken)
{
    if (!m_open)
        return false;
    Statement q = statement(QStringLiteral("DELETE FROM leases WHERE owner_token = ?"));
    q->addBindValue(ownerToken);
    return m_open && execProgress(*q);
}

bool TransferStore::saveEntity(const QString &identifier,
                               qint64 offset,
                               qint64 total,
                               const QByteArray &etag,
                               const QByteArray &lastModified,
                               const QByteArray &bootId,
                               Sync sync)
{
    Statement q = statement(QStringLiteral(
            "UPDATE transfers SET durable_offset = ?, total = ?, etag = ?, last_modified = ?, "
            "checkpoint_boot_id = ?, resumed_from = ?, state = ?, updated_at = ? "
            "WHERE identifier = ? AND state != ?"));
    q->addBindValue(offset);
    q->addBindValue(total);
    q->addBindValue(notNull(etag));
    q->addBindValue(notNull(lastModified));
    q->addBindValue(notNull(bootId));
    q->addBindValue(offset);
    q->addBindValue(int(TransferInfo::State::Running));
    q->addBindValue(nowMs());
    q->addBindValue(identifier);
    q->addBindValue(int(TransferInfo::State::Finished));
    return m_open && (sync == Sync::Relaxed ? execProgress(*q) : q->exec())
           && q->numRowsAffected() == 1;
}

bool TransferStore::saveCheckpoint(const QString &identifier,
                                   qint64 offset,
                                   const QByteArray &bootId)
{
    Statement q = statement(
            QStringLiteral("UPDATE transfers SET durable_offset = ?, checkpoint_boot_id = ?, "
                           "updated_at = ? WHERE identifier = ? AND state != ?"));
    q->addBindValue(offset);
    q->addBindValue(notNull(bootId));
    q->addBindValue(nowMs());
    q->addBindValue(identifier);
    q->addBindValue(int(TransferInfo::State::Finished));
    return m_open && execProgress(*q) && q->numRowsAffected() == 1;
}

bool TransferStore::saveRemoteUrl(const QString &identifier, const QUrl &url)
{
    Statement q = statement(QStringLiteral("UPDATE transfers SET remote_url = ?, updated_at = ? "
                                           "WHERE identifier = ? AND state != ?"));
    q->addBindValue(notNull(url.toEncoded()));
    q->addBindValue(nowMs());
    q->addBindValue(identifier);
    q->addBindValue(int(TransferInfo::State::Finished));
    return m_open && q->exec() && q->numRowsAffected() == 1;
}

bool TransferStore::saveAttemptState(const QString &identifier, const TransferRow &row)
{
    Statement q = statement(
            QStringLiteral("UPDATE transfers SET state = ?, attempts = ?, counted_attempts = ?, "
                           "next_attempt_at = ?, last_error = ?, updated_at = ? "
                           "WHERE identifier = ? AND state != ?"));
    q->addBindValue(int(row.state));
    q->addBindValue(row.attempts);
    q->addBindValue(row.countedAttempts);
    q->addBindValue(row.nextAttemptAt);
    q->addBindValue(notNull(row.lastError));
    q->addBindValue(nowMs());
    q->addBindValue(identifier);
    q->addBindValue(int(TransferInfo::State::Finished));
    return m_open && execProgress(*q) && q->numRowsAffected() == 1;
}

bool TransferStore::finish(const QString &identifier, const NetworkResponse &r)
{
    if (!m_open)
        return false;
    Transaction tx(this);
    if (!tx.isActive())
        return false;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    Statement q = statement(QStringLiteral(
            "UPDATE transfers SET state = ?, outcome = ?, http_status = ?, error = ?, "
            "error_string = ?, retry_after = ?, response_headers = ?, bytes = ?, attempts = ?, "
            "resumed_from = ?, response_body = ?, response_body_path = ?, updated_at = ? "
            "WHERE identifier = ? AND state != ?"));
    q->addBindValue(int(TransferInfo::State::Finished));
    q->addBindValue(int(r.outcome()));
    q->addBindValue(r.httpStatus());
    q->addBindValue(int(r.error()));
    q->addBindValue(r.error() == NetworkResponse::Error::NoError ? QString() : r.errorString());
    q->addBindValue(r.retryAfter() ? QVariant(qint64(r.retryAfter()->count()))
                                   : QVariant(QMetaType::fromType<qint64>()));
    q->addBindValue(encodeHeaders(r.headers()));
    q->addBindValue(r.bytes());
    q->addBindValue(r.attempts());
    q->addBindValue(r.resumedFrom());
    q->addBindValue(r.body());
    q->addBindValue(r.bodyFilePath());
    q->addBindValue(nowMs());
    q->addBindValue(identifier);
    q->addBindValue(int(TransferInfo::State::Finished));
    if (!q->exec() || q->numRowsAffected() != 1)
        return false;
    Statement del = statement(QStringLiteral("DELETE FROM leases WHERE identifier = ?"));
    del->addBindValue(identifier);
    return del->exec() && tx.commit();
}

bool TransferStore::remove(const QString &identifier)
{
    if (!m_open)
        return false;
    Transaction tx(this);
    if (!tx.isActive())
        return false;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    Statement q = statement(QStringLiteral("DELETE FROM transfers WHERE identifier = ?"));
    q->addBindValue(identifier);
    Statement l = statement(QStringLiteral("DELETE FROM leases WHERE identifier = ?"));
    l->addBindValue(identifier);
    if (!q->exec())
        return false;
    // SQLite reports the changes of the connection's last statement: read it before l runs.
    const bool existed = q->numRowsAffected() > 0;
    if (!l->exec())
        return false;
    return tx.commit() && existed;
}

QStringList TransferStore::expireResults(qint64 beforeMs)
{
    QStringList bodyFiles;
    if (!m_open)
        return bodyFiles;
    {
        Transaction tx(this);
        if (!tx.isActive())
            return bodyFiles;
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        const QString which
                = QStringLiteral("FROM transfers WHERE state = ? AND updated_at < ? "
                                 "AND identifier NOT IN (SELECT identifier FROM leases)");
        Statement files = statement(QStringLiteral("SELECT response_body_path ") + which);
        files->addBindValue(int(TransferInfo::State::Finished));
        files->addBindValue(beforeMs);
        if (!files->exec())
            return {};
        while (files->next()) {
            if (const QString f = files->value(0).toString(); !f.isEmpty())
                bodyFiles.append(f);
        }
        Statement drop = statement(QStringLiteral("DELETE ") + which);
        drop->addBindValue(int(TransferInfo::State::Finished));
        drop->addBindValue(beforeMs);
        if (!drop->exec())
            return {};
        const int dropped = drop->numRowsAffected();
        if (!tx.commit())
            return {};
        if (dropped <= 0)
            return bodyFiles;
        qCDebug(lcStore) << "expired" << dropped << "results in" << m_path;
    }
    // Outside the transaction; another process using the file makes it fail, which is harmless.
    exec(QStringLiteral("VACUUM"));
    return bodyFiles;
}

QVariant TransferStore::pragma(const QString &name)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(QStringLiteral("PRAGMA ") + name) || !q.next())
        return {};
    return q.value(0);
}

TransferStore::Recovery TransferStore::recover(const QString &path)
{
    Recovery r;
    {
        TransferStore probe(path);
        if (probe.open()) {
            r.status = Recovery::Status::Healthy;
            return r;
        }
        if (!probe.isUnusable()) {
            r.errorString = probe.errorString();
            return r;
        }
        r.errorString = probe.errorString();
    } // closed before its files move
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const QString stamp
            = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString aside = absolute + QStringLiteral(".broken-") + stamp;
    for (int n = 2; QFileInfo::exists(aside); ++n)
        aside = absolute + QStringLiteral(".broken-") + stamp + QLatin1Char('-')
                + QString::number(n);
    // The main file last: until it moves, the store is where it was.
    for (const char *suffix : {"-wal", "-shm", "-journal"}) {
        const QString from = absolute + QLatin1String(suffix);
        if (QFileInfo::exists(from) && !QFile::rename(from, aside + QLatin1String(suffix))) {
            r.errorString = QStringLiteral("Cannot move %1 aside").arg(from);
            return r;
        }
    }
    if (!QFile::rename(absolute, aside)) {
        r.errorString = QStringLiteral("Cannot move %1 aside").arg(absolute);
        return r;
    }
    qCWarning(lcStore).noquote() << "moved the unusable transfer store" << absolute << "to"
                                 << aside;
    r.movedTo = aside;
    TransferStore fresh(path);
    if (!fresh.open()) {
        r.errorString = fresh.errorString();
        return r;
    }
    r.status = Recovery::Status::Recovered;
    return r;
}

} // namespace Background
