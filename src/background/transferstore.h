#pragma once

// Every line of SQL in the library lives in this class.

#include "background_private_export.h"
#include "networkresponse.h"
#include "transferinfo.h"

#include <QtCore/QHash>
#include <QtCore/QString>

#include <functional>
#include <memory>
#include <optional>

class QSqlError;

class QSqlQuery;

namespace Background {

struct Lease
{
    QString ownerToken; // one per engine instance
    qint64 pid = 0;
    QByteArray bootId;
    qint64 startedAt = 0;
    qint64 heartbeat = 0;
};

struct TransferRow
{
    QString identifier;
    TransferInfo::Kind kind = TransferInfo::Kind::Download;
    QUrl url;
    QString destination; // the local file: a download's destination, an upload's source
    QString partialPath;
    HeaderList requestHeaders; // never sensitive ones
    QByteArray expectedSha256;
    QByteArray uploadSpec;  // UploadOptions::serialize()
    QByteArray fingerprint; // of an upload's source, taken when it was first asked for
    QUrl remoteUrl;         // a tus upload's URL, once created
    TransferInfo::State state = TransferInfo::State::Queued;
    qint64 durableOffset = 0;    // bytes of the partial file that were checkpointed
    QByteArray checkpointBootId; // boot during which that checkpoint was written
    qint64 total = -1;
    QByteArray etag; // validators of the entity the offset belongs to
    QByteArray lastModified;
    int attempts = 0;         // every attempt made
    int countedAttempts = 0;  // attempts that made no progress (count against retries)
    qint64 nextAttemptAt = 0; // ms since epoch, when Waiting
    QString lastError;
    qint64 resumedFrom = 0;
    std::optional<NetworkResponse> result;
    TransferInfo::Priority priority = TransferInfo::Priority::Normal;
    bool paused = false;
    qint64 seq = 0;                // order of first request: first come, first served
    bool needsCredentials = false; // sensitive headers were left out of requestHeaders

    TransferInfo toInfo() const;
};

// What the queue needs to know of an unfinished transfer to restore it.
struct QueuedTransfer
{
    QString identifier;
    QUrl url;
    QString destination;
    TransferInfo::Priority priority = TransferInfo::Priority::Normal;
    qint64 seq = 0;
    qint64 dueAt = 0; // ms since epoch, when waiting to retry
    bool needsCredentials = false;
};

class BACKGROUND_AUTOTEST_EXPORT TransferStore
{
public:
    static constexpr int SchemaVersion = 4;

    explicit TransferStore(const QString &path);
    ~TransferStore();
    TransferStore(const TransferStore &) = delete;
    TransferStore &operator=(const TransferStore &) = delete;

    // Creates the file (0600, directory 0700) if needed; refuses a corrupt or foreign file.
    bool open();
    bool isOpen() const;
    QString path() const;
    NetworkResponse::Error error() const;
    QString errorString() const;
    // After a failed open(): the file itself is not a usable store (corrupt, another
    // application's database, or a newer schema), as opposed to a locked or unreachable one.
    // Only moving it aside helps; see recover().
    bool isUnusable() const;

    // Moves an unusable store (with its -wal, -shm and -journal) aside under a timestamped name
    // and creates a fresh one. Touches no other file: partial data stays where it is.
    struct Recovery
    {
        enum class Status { Healthy, Recovered, Failed };
        Status status = Status::Failed;
        QString movedTo;
        QString errorString;
    };
    static Recovery recover(const QString &path);

    std::optional<TransferRow> find(const QString &identifier);
    QList<TransferRow> all(std::optional<TransferInfo::Kind> kind = std::nullopt);
    // The rows of all(), one at a time, without what TransferRow::toInfo() does not read: the
    // partial path, request headers, validators, upload spec and the like are left empty. For
    // listing thousands.
    void forEachInfoRow(std::optional<TransferInfo::Kind> kind,
                        const std::function<void(const TransferRow &)> &visit);
    QStringList unfinishedIdentifiers(TransferInfo::Kind kind);

    enum class Claim { Acquired, HeldByOther, Finished, Conflict, Error, Paused, Queued, Missing };
    // Inserts `fresh` if the identifier is new; no lease. Queued, Paused, Finished, Conflict or
    // Error; `row` receives the stored row.
    Claim enqueue(const TransferRow &fresh, TransferRow *row);
    // Up to `limit` unfinished, unpaused transfers of `kind` after `afterSeq`, first come first.
    QList<QueuedTransfer> restorable(TransferInfo::Kind kind, qint64 afterSeq, int limit);
    // Clears the pause of every unfinished transfer of `kind`; returns how many were paused.
    int unpauseAll(TransferInfo::Kind kind);
    // False when the row is missing or finished.
    bool setPaused(const QString &identifier, bool paused);
    // Transfers this owner runs that someone (maybe another process) has paused since.
    QStringList pausedLeasedBy(const QString &ownerToken);
    // Turns a kept Retry or Failed/DiskFull result back into a queued transfer that continues
    // from its partial data. False for any other row.
    bool reopen(const QString &identifier);
    // In one BEGIN IMMEDIATE transaction: insert `fresh` if the identifier is new, then take the
    // lease when it is free, ours, stale or its owner is dead (not when paused). `row` receives
    // the stored row.
    Claim claim(const TransferRow &fresh,
                const Lease &me,
                qint64 leaseTimeoutMs,
                const std::function<bool(const Lease &)> &ownerIsDead,
                TransferRow *row,
                bool mayInsert = true); // false: Missing when the row is gone
    std::optional<Lease> lease(const QString &identifier);
    bool heartbeat(const QString &ownerToken, qint64 now);
    bool releaseLease(const QString &identifier, const QString &ownerToken);
    bool releaseAllLeases(const QString &ownerToken);

    // Relaxed: the commit skips the WAL's fsync; a power loss may undo it (see execProgress()).
    enum class Sync { Full, Relaxed };

    // Each returns false when the row is gone (canceled elsewhere) or on error.
    // Relaxed only for a transfer's first validators (offset 0, none stored before).
    bool saveEntity(const QString &identifier,
                    qint64 offset,
                    qint64 total,
                    const QByteArray &etag,
                    const QByteArray &lastModified,
                    const QByteArray &bootId,
                    Sync sync = Sync::Full);
    bool saveCheckpoint(const QString &identifier, qint64 offset, const QByteArray &bootId);
    bool saveAttemptState(const QString &identifier, const TransferRow &row);
    // A tus upload's URL (empty: none yet, or the server forgot it).
    bool saveRemoteUrl(const QString &identifier, const QUrl &url);
    // Records the kept result and drops the lease, atomically.
    bool finish(const QString &identifier, const NetworkResponse &result);
    bool remove(const QString &identifier);
    // Drops finished rows last written before `beforeMs` (ms since epoch) and compacts the file
    // when any went; returns the response body files of the rows dropped, for the caller to
    // delete. Rows with a lease are left alone.
    QStringList expireResults(qint64 beforeMs);

    // Settings-like values for the tests and tools (e.g. journal mode).
    QVariant pragma(const QString &name);

private:
    bool fail(NetworkResponse::Error error, const QString &message);
    bool failUnusable(const QString &message);
    bool exec(const QString &sql);
    bool execProgress(QSqlQuery &query); // without the WAL's fsync; see the .cpp
    bool migrate();
    std::optional<TransferRow> insertIfNew(const TransferRow &fresh);
    static QLatin1String columns();
    void readAll(std::optional<TransferInfo::Kind> kind,
                 bool infoOnly,
                 const std::function<void(const TransferRow &)> &visit);
    static bool isBusy(const QSqlError &error); // SQLITE_BUSY or SQLITE_LOCKED
    class Transaction;
    class Statement;
    class RelaxedSync;
    Statement statement(const QString &sql);

    QString m_path;
    QString m_connectionName;
    NetworkResponse::Error m_error = NetworkResponse::Error::NoError;
    QString m_errorString;
    bool m_open = false;
    bool m_unusable = false;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements; // see Statement
};

} // namespace Background
