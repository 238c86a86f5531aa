#pragma once

// Helpers for tst_store: rows, leases and raw access to a store file.

#include "fileops.h"
#include "networkresponse.h"
#include "testsupport.h"
#include "transferstore.h"

#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QUuid>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#if defined(Q_OS_UNIX)
#include <sys/stat.h>
#endif

namespace StoreTest {

using namespace Background;
using namespace BackgroundTest;

inline constexpr qint64 kLeaseTimeoutMs = 15000;

#if defined(Q_OS_UNIX)
inline int fileMode(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}
#endif

// A second, raw connection to a store file: what another program (or a test) can do to it.
class RawDb
{
public:
    explicit RawDb(const QString &path)
        : m_name(QUuid::createUuid().toString(QUuid::WithoutBraces))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        m_open = db.open();
    }
    ~RawDb()
    {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    bool isOpen() const { return m_open; }
    bool exec(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        if (q.exec(sql))
            return true;
        qWarning() << "raw statement failed:" << sql << q.lastError().text();
        return false;
    }

private:
    QString m_name;
    bool m_open = false;
};

inline const QUrl kUrl(QStringLiteral("http://127.0.0.1:9/file.bin"));
inline const QUrl kOtherUrl(QStringLiteral("http://127.0.0.1:9/other.bin"));

inline TransferRow freshRow(const QString &identifier, const QUrl &url, const QString &destination)
{
    TransferRow r;
    r.identifier = identifier;
    r.url = url;
    r.destination = destination;
    r.partialPath = destination + QStringLiteral(".part");
    r.requestHeaders = {{"X-Trace", "abc"}};
    return r;
}

// Ours: this process, this boot, a fresh heartbeat.
inline Lease myLease()
{
    return makeLease(QStringLiteral("me"),
                     FileOps::currentProcessId(),
                     FileOps::bootId(),
                     QDateTime::currentMSecsSinceEpoch());
}

// The same rule the engine applies: another boot, or a process that no longer exists.
inline bool ownerIsDead(const Lease &l)
{
    return l.bootId != FileOps::bootId() || !FileOps::isProcessAlive(l.pid);
}

inline QString claimName(TransferStore::Claim c)
{
    switch (c) {
    case TransferStore::Claim::Acquired:
        return QStringLiteral("Acquired");
    case TransferStore::Claim::HeldByOther:
        return QStringLiteral("HeldByOther");
    case TransferStore::Claim::Finished:
        return QStringLiteral("Finished");
    case TransferStore::Claim::Conflict:
        return QStringLiteral("Conflict");
    case TransferStore::Claim::Error:
        return QStringLiteral("Error");
    }
    return QStringLiteral("?");
}

// claim() with the engine's rule for dead owners; the outcome by name, for readable failures.
inline QString claimAs(TransferStore &store,
                       const TransferRow &row,
                       const Lease &lease,
                       TransferRow *got = nullptr)
{
    TransferRow ignored;
    return claimName(store.claim(row, lease, kLeaseTimeoutMs, ownerIsDead, got ? got : &ignored));
}

inline NetworkResponse successResult(const QString &identifier, qint64 bytes)
{
    NetworkResponse r;
    r.setIdentifier(identifier);
    r.setOutcome(NetworkResponse::Outcome::Success);
    r.setHttpStatus(206);
    r.setBytes(bytes);
    r.setHeaders({{"ETag", "\"v7\""}, {"Content-Type", "application/octet-stream"}});
    r.setAttempts(3);
    r.setResumedFrom(1000);
    return r;
}

inline const QString kAcquired = QStringLiteral("Acquired");

} // namespace StoreTest
