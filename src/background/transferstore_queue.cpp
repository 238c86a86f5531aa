#include "transferstore.h"
#include "transferstore_statement.h"

#include <QtCore/QDateTime>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>

// The queue's reads and writes: restore at start-up, pause, reopen a resumable result.

namespace Background {

QList<QueuedTransfer> TransferStore::restorable(TransferInfo::Kind kind, qint64 afterSeq, int limit)
{
    QList<QueuedTransfer> out;
    if (!m_open)
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT identifier, url, priority, seq, state, next_attempt_at, "
                             "needs_credentials, destination FROM transfers "
                             "WHERE kind = ? AND state != ? AND paused = 0 AND seq > ? "
                             "ORDER BY seq LIMIT ?"));
    q.addBindValue(int(kind));
    q.addBindValue(int(TransferInfo::State::Finished));
    q.addBindValue(afterSeq);
    q.addBindValue(limit);
    if (!q.exec())
        return out;
    out.reserve(limit);
    while (q.next()) {
        QueuedTransfer t;
        t.identifier = q.value(0).toString();
        t.url = QUrl::fromEncoded(q.value(1).toByteArray(), QUrl::StrictMode);
        t.priority = TransferInfo::Priority(qBound(0, q.value(2).toInt(), 2));
        t.seq = q.value(3).toLongLong();
        if (TransferInfo::State(q.value(4).toInt()) == TransferInfo::State::Waiting)
            t.dueAt = q.value(5).toLongLong();
        t.needsCredentials = q.value(6).toBool();
        t.destination = q.value(7).toString();
        out.append(t);
    }
    return out;
}

int TransferStore::unpauseAll(TransferInfo::Kind kind)
{
    if (!m_open)
        return 0;
    Statement q = statement(QStringLiteral("UPDATE transfers SET paused = 0, updated_at = ? "
                                           "WHERE kind = ? AND paused = 1 AND state != ?"));
    q->addBindValue(QDateTime::currentMSecsSinceEpoch());
    q->addBindValue(int(kind));
    q->addBindValue(int(TransferInfo::State::Finished));
    return q->exec() ? q->numRowsAffected() : 0;
}

bool TransferStore::setPaused(const QString &identifier, bool paused)
{
    if (!m_open)
        return false;
    Statement q = statement(QStringLiteral("UPDATE transfers SET paused = ?, updated_at = ? "
                                           "WHERE identifier = ? AND state != ?"));
    q->addBindValue(paused ? 1 : 0);
    q->addBindValue(QDateTime::currentMSecsSinceEpoch());
    q->addBindValue(identifier);
    q->addBindValue(int(TransferInfo::State::Finished));
    return q->exec() && q->numRowsAffected() == 1;
}

QStringList TransferStore::pausedLeasedBy(const QString &ownerToken)
{
    QStringList ids;
    if (!m_open)
        return ids;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT t.identifier FROM transfers t JOIN leases l "
                             "ON l.identifier = t.identifier WHERE l.owner_token = ? "
                             "AND t.paused = 1"));
    q.addBindValue(ownerToken);
    if (!q.exec())
        return ids;
    while (q.next())
        ids.append(q.value(0).toString());
    return ids;
}

bool TransferStore::reopen(const QString &identifier)
{
    if (!m_open)
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    // The offset, validators and partial file stay: the transfer continues where it stopped.
    q.prepare(QStringLiteral(
            "UPDATE transfers SET state = ?, outcome = NULL, http_status = NULL, error = NULL, "
            "error_string = NULL, retry_after = NULL, response_headers = NULL, bytes = NULL, "
            "response_body = NULL, response_body_path = NULL, counted_attempts = 0, "
            "next_attempt_at = 0, paused = 0, updated_at = ? "
            "WHERE identifier = ? AND state = ? AND (outcome = ? OR error = ?)"));
    q.addBindValue(int(TransferInfo::State::Queued));
    q.addBindValue(QDateTime::currentMSecsSinceEpoch());
    q.addBindValue(identifier);
    q.addBindValue(int(TransferInfo::State::Finished));
    q.addBindValue(int(NetworkResponse::Outcome::Retry));
    q.addBindValue(int(NetworkResponse::Error::DiskFull));
    return q.exec() && q.numRowsAffected() == 1;
}

} // namespace Background
