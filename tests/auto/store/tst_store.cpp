// The SQLite store: how it is created, what it refuses to touch, and the lease rules of claim().

#include "downloader.h"
#include "faultserver.h"
#include "storerecovery.h"
#include "storetest.h"

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFuture>
#include <QtCore/QLoggingCategory>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <memory>

using namespace Background;
using namespace StoreTest;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(TransferStore::Claim)

class tst_Store : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void freshStore();
    void migratesFirstSchema();
    void refusesBadFile_data();
    void refusesBadFile();
    void persistsAcrossInstances();
    void claim_data();
    void claim();
    void checkpointAfterRemoval();
    void progressWriteKeepsFullSync_data();
    void progressWriteKeepsFullSync();
    void remoteUrl();
    void expireResults();
    void finishKeepsResult_data();
    void finishKeepsResult();
    void finishIsAtomic();
    void downloaderOnBrokenStore_data();
    void downloaderOnBrokenStore();
    void recoverStore_data();
    void recoverStore();

private:
    QString storePath() const { return m_dir->filePath(QStringLiteral("store.sqlite")); }
    QString dest(const QString &name) const { return m_dir->filePath(name); }
    TransferRow jobRow() const
    {
        return freshRow(QStringLiteral("job"), kUrl, dest(QStringLiteral("job.bin")));
    }
    bool makeBadFile(const QString &kind, const QString &path);

    std::unique_ptr<QTemporaryDir> m_dir;
    BackgroundTest::Watchdog m_watchdog{30s};
};

void tst_Store::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("background.*.info=false\n"
                                                    "background.*.debug=false"));
    QVERIFY(QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")));
#if defined(Q_OS_UNIX)
    // A permissive umask, so the 0600/0700 checks can only pass because the store chmods.
    ::umask(022);
#endif
}

void tst_Store::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_watchdog.start();
}

void tst_Store::cleanup()
{
    m_watchdog.stop();
    m_dir.reset();
}

void tst_Store::freshStore()
{
    const QString dir = m_dir->filePath(QStringLiteral("state/nested"));
    const QString path = dir + QStringLiteral("/store.sqlite");
    TransferStore store(path);
    QVERIFY2(store.open(), qPrintable(store.errorString()));
    QVERIFY(store.isOpen());
    QCOMPARE(store.error(), NetworkResponse::Error::NoError);
    QVERIFY(store.errorString().isEmpty());
    QCOMPARE(store.path(), path);
    QCOMPARE(store.pragma(QStringLiteral("journal_mode")).toString().toLower(),
             QStringLiteral("wal"));
    QCOMPARE(store.pragma(QStringLiteral("user_version")).toInt(), TransferStore::SchemaVersion);
    QVERIFY(store.all().isEmpty());

    // A write, so SQLite creates its side files.
    QCOMPARE(claimAs(store, jobRow(), myLease()), kAcquired);

#if defined(Q_OS_UNIX)
    QCOMPARE(fileMode(dir), 0700);
    QCOMPARE(fileMode(path), 0600);
    for (const char *suffix : {"-wal", "-shm"}) {
        const QString side = path + QLatin1String(suffix);
        QVERIFY2(QFile::exists(side), qPrintable(side));
        QCOMPARE(fileMode(side), 0600);
    }
#else
    QSKIP("File modes are a POSIX notion");
#endif
}

// Fills `path` with something that is not a usable store. Returns false on setup failure.
bool tst_Store::makeBadFile(const QString &kind, const QString &path)
{
    if (kind == QLatin1String("random bytes")) {
        QByteArray junk(64 * 1024, Qt::Uninitialized);
        QRandomGenerator(42).fillRange(reinterpret_cast<quint32 *>(junk.data()), junk.size() / 4);
        return writeFile(path, junk);
    }
    if (kind == QLatin1String("text file"))
        return writeFile(path, QByteArrayLiteral("[General]\nthis=is not a database\n"));
    if (kind == QLatin1String("truncated store")) {
        // A real store with enough rows to span many pages, then cut in half.
        const QString original = m_dir->filePath(QStringLiteral("original.sqlite"));
        {
            TransferStore store(original);
            if (!store.open())
                return false;
            const QString longPath(400, QLatin1Char('p'));
            for (int i = 0; i < 150; ++i) {
                const QString id = QStringLiteral("row-%1").arg(i);
                const QUrl url(QStringLiteral("http://127.0.0.1:9/%1/%2").arg(longPath).arg(i));
                if (claimAs(store, freshRow(id, url, dest(id)), myLease()) != kAcquired)
                    return false;
            }
        } // closing checkpoints the WAL into the main file
        const QByteArray full = readFile(original);
        return full.size() > 64 * 1024 && writeFile(path, full.left(full.size() / 2));
    }
    if (kind.startsWith(QLatin1String("foreign database"))) {
        RawDb raw(path);
        return raw.isOpen()
               && raw.exec(QStringLiteral("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
               && raw.exec(QStringLiteral("INSERT INTO notes (body) VALUES ('keep me')"))
               && (!kind.endsWith(QLatin1String("user_version 1"))
                   || raw.exec(QStringLiteral("PRAGMA user_version = 1")));
    }
    if (kind == QLatin1String("newer schema")) {
        {
            TransferStore store(path);
            if (!store.open() || claimAs(store, jobRow(), myLease()) != kAcquired)
                return false;
        }
        RawDb raw(path);
        return raw.isOpen()
               && raw.exec(QStringLiteral("PRAGMA user_version = %1")
                                   .arg(TransferStore::SchemaVersion + 1));
    }
    return false;
}

void tst_Store::refusesBadFile_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("mustRefuse");
    QTest::addColumn<QString>("reason"); // in the error string besides the path

    QTest::newRow("random bytes") << QStringLiteral("random bytes") << true << QString();
    QTest::newRow("text file") << QStringLiteral("text file") << true << QString();
    // SQLite may not notice every truncation; then opening must at least not crash.
    QTest::newRow("truncated store") << QStringLiteral("truncated store") << false << QString();
    QTest::newRow("foreign database")
            << QStringLiteral("foreign database") << true << QStringLiteral("another application");
    // Other programs set user_version too: the number alone must not make a file ours.
    QTest::newRow("foreign database, user_version 1")
            << QStringLiteral("foreign database, user_version 1") << true
            << QStringLiteral("another application");
    QTest::newRow("newer schema") << QStringLiteral("newer schema") << true
                                  << QStringLiteral("newer");
}

void tst_Store::refusesBadFile()
{
    QFETCH(QString, kind);
    QFETCH(bool, mustRefuse);
    QFETCH(QString, reason);

    const QString path = storePath();
    QVERIFY(makeBadFile(kind, path));
    const QByteArray before = readFile(path);
    QVERIFY(!before.isEmpty());

    bool opened = false;
    {
        TransferStore store(path);
        if (mustRefuse)
            QTest::ignoreMessage(QtWarningMsg,
                                 QRegularExpression(QRegularExpression::escape(path)));
        opened = store.open();
        if (opened) {
            QVERIFY2(!mustRefuse, "the store opened a file it must refuse");
            qInfo("SQLite opened the %s; reading it must still not crash", qPrintable(kind));
            store.all();
            store.find(QStringLiteral("row-1"));
            store.unfinishedIdentifiers(TransferInfo::Kind::Download);
        } else {
            QVERIFY(!store.isOpen());
            QCOMPARE(store.error(), NetworkResponse::Error::StoreError);
            QVERIFY2(store.errorString().contains(path), qPrintable(store.errorString()));
            QVERIFY2(store.errorString().contains(reason), qPrintable(store.errorString()));
            // Nothing may be written through a refused store.
            QCOMPARE(claimAs(store, jobRow(), myLease()), QStringLiteral("Error"));
            QVERIFY(!store.find(QStringLiteral("job")));
        }
    }
    if (!opened)
        QVERIFY2(readFile(path) == before, "a refused store file was modified");
}

void tst_Store::persistsAcrossInstances()
{
    const QByteArray boot = FileOps::bootId();
    const Lease me = myLease();
    const QString running = QStringLiteral("running");
    const QString done = QStringLiteral("done");
    {
        TransferStore store(storePath());
        QVERIFY(store.open());
        TransferRow row;
        QCOMPARE(claimAs(store, freshRow(running, kUrl, dest(running)), me, &row), kAcquired);
        // Empty values (no Last-Modified, no error yet) are the common case.
        QVERIFY(store.saveEntity(running, 0, 1000, "\"e1\"", QByteArray(), boot));
        row.state = TransferInfo::State::Running;
        row.attempts = 2;
        row.lastError = QString();
        QVERIFY(store.saveAttemptState(running, row));
        QVERIFY(store.saveCheckpoint(running, 500, boot));

        // No checksum, no request headers, and a platform that cannot tell the boot apart.
        TransferRow bare = freshRow(done, kOtherUrl, dest(done));
        bare.requestHeaders.clear();
        bare.expectedSha256 = QByteArray();
        const Lease noBoot = makeLease(me.ownerToken, me.pid, QByteArray(), me.heartbeat);
        QCOMPARE(claimAs(store, bare, noBoot), kAcquired);
        QVERIFY(store.saveCheckpoint(done, 10, QByteArray()));
        QVERIFY(store.finish(done, successResult(done, 4242)));
    }

    TransferStore again(storePath());
    QVERIFY(again.open());
    QCOMPARE(again.all().size(), 2);
    QCOMPARE(again.unfinishedIdentifiers(TransferInfo::Kind::Download), QStringList{running});

    const std::optional<TransferRow> r = again.find(running);
    QVERIFY(r);
    QCOMPARE(r->url, kUrl);
    QCOMPARE(r->destination, dest(running));
    QCOMPARE(r->partialPath, dest(running) + QStringLiteral(".part"));
    QCOMPARE(r->requestHeaders, (HeaderList{{"X-Trace", "abc"}}));
    QCOMPARE(r->state, TransferInfo::State::Running);
    QCOMPARE(r->durableOffset, 500);
    QCOMPARE(r->total, 1000);
    QCOMPARE(r->etag, QByteArray("\"e1\""));
    QVERIFY(r->lastModified.isEmpty());
    QCOMPARE(r->attempts, 2);
    QCOMPARE(r->checkpointBootId, boot);
    QVERIFY(!r->result);
    const std::optional<Lease> held = again.lease(running);
    QVERIFY(held);
    QCOMPARE(held->ownerToken, me.ownerToken);
    QCOMPARE(held->pid, me.pid);

    const std::optional<TransferRow> d = again.find(done);
    QVERIFY(d);
    QCOMPARE(d->state, TransferInfo::State::Finished);
    QVERIFY(d->result);
    QCOMPARE(d->result->outcome(), NetworkResponse::Outcome::Success);
    QCOMPARE(d->result->httpStatus(), 206);
    QCOMPARE(d->result->bytes(), 4242);
    QCOMPARE(d->result->filePath(), dest(done));
    QVERIFY(!again.lease(done));
}

void tst_Store::claim_data()
{
    QTest::addColumn<QString>("setup");
    QTest::addColumn<TransferStore::Claim>("expected");

    QTest::newRow("new identifier") << "none" << TransferStore::Claim::Acquired;
    QTest::newRow("ours again") << "ours" << TransferStore::Claim::Acquired;
    QTest::newRow("other URL") << "other url" << TransferStore::Claim::Conflict;
    QTest::newRow("other destination") << "other destination" << TransferStore::Claim::Conflict;
    QTest::newRow("finished") << "finished" << TransferStore::Claim::Finished;
    QTest::newRow("finished, other URL") << "finished other url" << TransferStore::Claim::Conflict;
    QTest::newRow("live other owner") << "live" << TransferStore::Claim::HeldByOther;
    QTest::newRow("stale heartbeat") << "stale" << TransferStore::Claim::Acquired;
    QTest::newRow("dead pid") << "dead pid" << TransferStore::Claim::Acquired;
    QTest::newRow("other boot") << "other boot" << TransferStore::Claim::Acquired;
}

void tst_Store::claim()
{
    QFETCH(QString, setup);
    QFETCH(TransferStore::Claim, expected);

    TransferStore store(storePath());
    QVERIFY(store.open());
    const Lease me = myLease();
    const qint64 now = me.heartbeat;
    const qint64 ourPid = me.pid;
    const QByteArray boot = me.bootId;
    const TransferRow base = jobRow();
    const QString id = base.identifier;

    // What is in the store before we ask. The "live" owner is this very process under another
    // token, so only the heartbeat, the pid or the boot can make a difference.
    std::optional<Lease> previous;
    const QString other = QStringLiteral("other");
    if (setup == QLatin1String("ours"))
        previous = makeLease(me.ownerToken, ourPid, boot, now - 1000);
    else if (setup == QLatin1String("stale"))
        previous = makeLease(other, ourPid, boot, now - 4 * kLeaseTimeoutMs);
    else if (setup == QLatin1String("dead pid"))
        previous = makeLease(other, deadPid(), boot, now);
    else if (setup == QLatin1String("other boot"))
        previous = makeLease(other, ourPid, "another-boot", now);
    else if (setup != QLatin1String("none"))
        previous = makeLease(other, ourPid, boot, now);
    if (previous) {
        QVERIFY(previous->pid > 0);
        QCOMPARE(claimAs(store, base, *previous), kAcquired); // nobody held it yet
    }
    const NetworkResponse kept = successResult(id, 777);
    if (setup.startsWith(QLatin1String("finished")))
        QVERIFY(store.finish(id, kept));

    TransferRow ask = base;
    if (setup.endsWith(QLatin1String("other url")))
        ask.url = kOtherUrl;
    if (setup == QLatin1String("other destination"))
        ask.destination = dest(QStringLiteral("elsewhere.bin"));

    TransferRow got;
    QCOMPARE(claimAs(store, ask, me, &got), claimName(expected));

    // The stored row is what the first caller asked for; nothing replaced it.
    const std::optional<TransferRow> stored = store.find(id);
    QVERIFY(stored);
    QCOMPARE(stored->url, base.url);
    QCOMPARE(stored->destination, base.destination);
    QCOMPARE(got.identifier, id);
    QCOMPARE(got.url, base.url);
    QCOMPARE(got.partialPath, base.partialPath);

    const std::optional<Lease> held = store.lease(id);
    switch (expected) {
    case TransferStore::Claim::Acquired:
        QVERIFY(held);
        QCOMPARE(held->ownerToken, me.ownerToken);
        QCOMPARE(held->pid, ourPid);
        QCOMPARE(held->bootId, boot);
        QCOMPARE(held->heartbeat, now);
        if (setup == QLatin1String("none"))
            QCOMPARE(stored->state, TransferInfo::State::Queued);
        break;
    case TransferStore::Claim::HeldByOther:
    case TransferStore::Claim::Conflict:
        if (previous && !setup.startsWith(QLatin1String("finished"))) {
            QVERIFY(held);
            QCOMPARE(held->ownerToken, previous->ownerToken);
            QCOMPARE(held->heartbeat, previous->heartbeat);
        }
        break;
    case TransferStore::Claim::Finished:
        QVERIFY(!held);
        QVERIFY(got.result);
        QCOMPARE(got.result->outcome(), kept.outcome());
        QCOMPARE(got.result->httpStatus(), kept.httpStatus());
        QCOMPARE(got.result->bytes(), kept.bytes());
        QCOMPARE(got.result->filePath(), base.destination);
        break;
    case TransferStore::Claim::Error:
        QFAIL("no row expects an error");
    }
}

void tst_Store::checkpointAfterRemoval()
{
    const QByteArray boot = FileOps::bootId();
    TransferStore owner(storePath());
    QVERIFY(owner.open());
    TransferRow row;
    QCOMPARE(claimAs(owner, jobRow(), myLease(), &row), kAcquired);
    const QString id = row.identifier;
    QVERIFY(owner.saveCheckpoint(id, 100, boot));
    QCOMPARE(owner.find(id)->durableOffset, 100);

    // Another process cancels: the row and its lease go.
    {
        TransferStore other(storePath());
        QVERIFY(other.open());
        QVERIFY(other.remove(id));
        QVERIFY(!other.remove(id));
    }
    QVERIFY(!owner.find(id));
    QVERIFY(!owner.lease(id));

    // The owner learns of it from its next write; none of them brings the row back.
    QVERIFY(!owner.saveCheckpoint(id, 200, boot));
    QVERIFY(!owner.saveEntity(id, 200, 1000, "\"e\"", QByteArray(), boot));
    QVERIFY(!owner.saveAttemptState(id, row));
    QVERIFY(!owner.saveRemoteUrl(id, QUrl(QStringLiteral("http://127.0.0.1:1/files/x"))));
    QVERIFY(!owner.finish(id, successResult(id, 1000)));
    QVERIFY(!owner.find(id));
    QVERIFY(owner.all().isEmpty());
}

void tst_Store::progressWriteKeepsFullSync_data()
{
    QTest::addColumn<QString>("write");
    for (const char *write : {"saveCheckpoint",
                              "saveEntity",
                              "saveAttemptState",
                              "heartbeat",
                              "releaseLease",
                              "releaseAllLeases"})
        QTest::newRow(write) << QString::fromLatin1(write);
}

// Progress writes skip the WAL's fsync for their own statement only: every other write (a
// result, a claim) must still find synchronous=FULL, and the progress write itself must land.
void tst_Store::progressWriteKeepsFullSync()
{
    QFETCH(QString, write);
    constexpr int kFull = 2; // PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL

    const QByteArray boot = FileOps::bootId();
    TransferStore store(storePath());
    QVERIFY(store.open());
    const Lease me = myLease();
    TransferRow row;
    QCOMPARE(claimAs(store, jobRow(), me, &row), kAcquired);
    const QString id = row.identifier;
    QCOMPARE(store.pragma(QStringLiteral("synchronous")).toInt(), kFull);

    TransferRow attempt = row;
    attempt.state = TransferInfo::State::Waiting;
    attempt.attempts = 3;
    attempt.countedAttempts = 2;
    attempt.nextAttemptAt = 123456;
    attempt.lastError = QStringLiteral("connection reset");
    const qint64 beat = me.heartbeat + 4321;

    if (write == QLatin1String("saveCheckpoint"))
        QVERIFY(store.saveCheckpoint(id, 4242, boot));
    else if (write == QLatin1String("saveEntity"))
        QVERIFY(store.saveEntity(id, 1000, 5000, "\"e\"", "Tue, 01 Sep 2026 10:00:00 GMT", boot));
    else if (write == QLatin1String("saveAttemptState"))
        QVERIFY(store.saveAttemptState(id, attempt));
    else if (write == QLatin1String("heartbeat"))
        QVERIFY(store.heartbeat(me.ownerToken, beat));
    else if (write == QLatin1String("releaseLease"))
        QVERIFY(store.releaseLease(id, me.ownerToken));
    else if (write == QLatin1String("releaseAllLeases"))
        QVERIFY(store.releaseAllLeases(me.ownerToken));
    else
        QFAIL("unknown write");

    QCOMPARE(store.pragma(QStringLiteral("synchronous")).toInt(), kFull);

    const std::optional<TransferRow> got = store.find(id);
    QVERIFY(got);
    const std::optional<Lease> lease = store.lease(id);
    if (write == QLatin1String("saveCheckpoint")) {
        QCOMPARE(got->durableOffset, 4242);
        QCOMPARE(got->checkpointBootId, boot);
    } else if (write == QLatin1String("saveEntity")) {
        QCOMPARE(got->durableOffset, 1000);
        QCOMPARE(got->total, 5000);
        QCOMPARE(got->etag, QByteArray("\"e\""));
        QCOMPARE(got->state, TransferInfo::State::Running);
    } else if (write == QLatin1String("saveAttemptState")) {
        QCOMPARE(got->state, attempt.state);
        QCOMPARE(got->attempts, 3);
        QCOMPARE(got->countedAttempts, 2);
        QCOMPARE(got->nextAttemptAt, 123456);
        QCOMPARE(got->lastError, attempt.lastError);
    } else if (write == QLatin1String("heartbeat")) {
        QVERIFY(lease);
        QCOMPARE(lease->heartbeat, beat);
    } else {
        QVERIFY(!lease);
    }

    // And a FULL write after it still works (a result, in its own transaction).
    QVERIFY(store.finish(id, successResult(id, 10)));
    QCOMPARE(store.pragma(QStringLiteral("synchronous")).toInt(), kFull);
}

// A tus upload's URL survives a new connection, can be dropped, and is frozen once finished.
void tst_Store::remoteUrl()
{
    const QUrl first(QStringLiteral("http://127.0.0.1:1/files/a?b=%20c"));
    TransferRow row;
    {
        TransferStore owner(storePath());
        QVERIFY(owner.open());
        QCOMPARE(claimAs(owner, jobRow(), myLease(), &row), kAcquired);
        QVERIFY(row.remoteUrl.isEmpty());
        QVERIFY(owner.saveRemoteUrl(row.identifier, first));
    }
    TransferStore again(storePath());
    QVERIFY(again.open());
    QCOMPARE(again.find(row.identifier)->remoteUrl, first);
    QVERIFY(again.saveRemoteUrl(row.identifier, QUrl()));
    QVERIFY(again.find(row.identifier)->remoteUrl.isEmpty());
    QVERIFY(again.saveRemoteUrl(row.identifier, first));
    QVERIFY(again.finish(row.identifier, successResult(row.identifier, 10)));
    QVERIFY(!again.saveRemoteUrl(row.identifier, QUrl()));
    QCOMPARE(again.find(row.identifier)->remoteUrl, first);
}

// Finished rows older than the lifetime go, with their body files; nothing else does.
void tst_Store::expireResults()
{
    const QString body = dest(QStringLiteral("old.body"));
    QVERIFY(BackgroundTest::writeFile(body, "answer"));
    {
        TransferStore store(storePath());
        QVERIFY(store.open());
        TransferRow row;
        for (const char *id : {"old", "recent", "unfinished"}) {
            const QString name = QString::fromLatin1(id);
            QCOMPARE(claimAs(store, freshRow(name, kUrl, dest(name)), myLease(), &row), kAcquired);
        }
        NetworkResponse old = successResult(QStringLiteral("old"), 10);
        old.setBodyFilePath(body);
        QVERIFY(store.finish(QStringLiteral("old"), old));
        QVERIFY(store.finish(QStringLiteral("recent"), successResult(QStringLiteral("recent"), 5)));
        QVERIFY(store.releaseLease(QStringLiteral("unfinished"), myLease().ownerToken));
    }
    const qint64 finishedBy = QDateTime::currentMSecsSinceEpoch();
    {
        QSqlDatabase db
                = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("age"));
        db.setDatabaseName(storePath());
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE transfers SET updated_at = 1000 "
                                      "WHERE identifier IN ('old', 'unfinished')")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("age"));

    TransferStore store(storePath());
    QVERIFY(store.open());
    QCOMPARE(store.expireResults(5000), QStringList{body});
    QVERIFY(!store.find(QStringLiteral("old")));
    QVERIFY(store.find(QStringLiteral("recent")));
    QVERIFY(store.find(QStringLiteral("unfinished")));
    QVERIFY(store.expireResults(5000).isEmpty()); // nothing left to expire

    // A session opening the store drops what is older than its lifetime (default 30 days).
    Background::SessionConfiguration config;
    config.setStorePath(storePath());
    {
        Downloader keepsIt(config);
        QVERIFY(keepsIt.transfer(QStringLiteral("recent")));
    }
    config.setResultLifetime(std::chrono::milliseconds(1));
    QTRY_VERIFY(QDateTime::currentMSecsSinceEpoch() > finishedBy + 1);
    Downloader dropsIt(config);
    QVERIFY(!dropsIt.transfer(QStringLiteral("recent")));
    QVERIFY(dropsIt.transfer(QStringLiteral("unfinished")));
}

void tst_Store::finishKeepsResult_data()
{
    QTest::addColumn<NetworkResponse>("result");

    QTest::newRow("success") << successResult(QStringLiteral("job"), 4242);
    NetworkResponse retry;
    retry.setOutcome(NetworkResponse::Outcome::Retry);
    retry.setHttpStatus(503);
    retry.setRetryAfter(std::chrono::seconds(7));
    retry.setError(NetworkResponse::Error::HttpError, QStringLiteral("HTTP 503"));
    retry.setBytes(10);
    QTest::newRow("retry") << retry;
    NetworkResponse failed;
    failed.setOutcome(NetworkResponse::Outcome::Failed);
    failed.setError(NetworkResponse::Error::IntegrityError, QStringLiteral("SHA-256 mismatch"));
    QTest::newRow("failed") << failed;
}

void tst_Store::finishKeepsResult()
{
    QFETCH(NetworkResponse, result);
    TransferStore store(storePath());
    QVERIFY(store.open());
    const TransferRow row = jobRow();
    const QString id = row.identifier;
    QCOMPARE(claimAs(store, row, myLease()), kAcquired);
    QVERIFY(store.lease(id));

    QVERIFY(store.finish(id, result));
    QVERIFY(!store.lease(id));
    QVERIFY(!store.unfinishedIdentifiers(TransferInfo::Kind::Download).contains(id));
    std::optional<TransferRow> stored = store.find(id);
    QVERIFY(stored);
    QCOMPARE(stored->state, TransferInfo::State::Finished);
    QVERIFY(stored->result);
    const NetworkResponse &kept = *stored->result;
    QCOMPARE(kept.identifier(), id);
    QCOMPARE(kept.url(), kUrl);
    QCOMPARE(kept.outcome(), result.outcome());
    QCOMPARE(kept.httpStatus(), result.httpStatus());
    QCOMPARE(kept.error(), result.error());
    QCOMPARE(kept.errorString(), result.errorString());
    QCOMPARE(kept.retryAfterSeconds(), result.retryAfterSeconds());
    QCOMPARE(kept.bytes(), result.bytes());
    QCOMPARE(kept.headers(), result.headers());
    QCOMPARE(kept.resumedFrom(), result.resumedFrom());
    QCOMPARE(kept.filePath(), result.isSuccess() ? row.destination : QString());

    // A kept result is final: a second finish neither succeeds nor overwrites it.
    QVERIFY(!store.finish(id,
                          NetworkResponse::failure(
                                  id, NetworkResponse::Error::Canceled, QStringLiteral("late"))));
    stored = store.find(id);
    QVERIFY(stored && stored->result);
    QCOMPARE(stored->result->outcome(), result.outcome());
    QCOMPARE(stored->result->error(), result.error());

    // forget() drops a kept result, which has no lease left.
    QVERIFY(store.remove(id));
    QVERIFY(!store.find(id));
    QVERIFY(!store.remove(id));
}

void tst_Store::finishIsAtomic()
{
    TransferStore store(storePath());
    QVERIFY(store.open());
    const QString id = jobRow().identifier;
    QCOMPARE(claimAs(store, jobRow(), myLease()), kAcquired);

    // Make the second half of finish() (dropping the lease) fail: the first half must not stay.
    RawDb raw(storePath());
    QVERIFY(raw.isOpen());
    QVERIFY(raw.exec(QStringLiteral("CREATE TRIGGER keep_leases BEFORE DELETE ON leases "
                                    "BEGIN SELECT RAISE(ABORT, 'lease delete refused'); END")));
    QVERIFY(!store.finish(id, successResult(id, 10)));
    std::optional<TransferRow> stored = store.find(id);
    QVERIFY(stored);
    QVERIFY(stored->state != TransferInfo::State::Finished);
    QVERIFY(!stored->result);
    QVERIFY(store.lease(id));

    QVERIFY(raw.exec(QStringLiteral("DROP TRIGGER keep_leases")));
    QVERIFY(store.finish(id, successResult(id, 10)));
    stored = store.find(id);
    QVERIFY(stored && stored->result);
    QCOMPARE(stored->state, TransferInfo::State::Finished);
    QVERIFY(!store.lease(id));
}

void tst_Store::downloaderOnBrokenStore_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("random bytes") << QStringLiteral("random bytes");
    QTest::newRow("foreign database") << QStringLiteral("foreign database");
    QTest::newRow("parent is a file") << QStringLiteral("parent is a file");
}

void tst_Store::downloaderOnBrokenStore()
{
    QFETCH(QString, kind);

    QString path = storePath();
    QString named = path; // what the error must name
    if (kind == QLatin1String("parent is a file")) {
        const QString blocker = m_dir->filePath(QStringLiteral("blocker"));
        QVERIFY(writeFile(blocker, "a file where the store's directory should be"));
        path = blocker + QStringLiteral("/sub/store.sqlite");
        named = blocker;
    } else {
        QVERIFY(makeBadFile(kind, path));
    }
    const QByteArray before = readFile(path);

    FaultTest::FaultServer server;
    QVERIFY(server.listen());
    FaultTest::Route route;
    route.entity.size = 1000;
    server.setRoute("/file.bin", route);

    SessionConfiguration config;
    config.setStorePath(path);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QRegularExpression::escape(named)));
    Downloader downloader(config);
    QCOMPARE(downloader.storeError(), NetworkResponse::Error::StoreError);
    QVERIFY2(downloader.storeErrorString().contains(named),
             qPrintable(downloader.storeErrorString()));

    const QString destination = dest(QStringLiteral("file.bin"));
    QList<QFuture<NetworkResponse>> futures;
    for (const QString &id : {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("a")})
        futures.append(downloader.networkResponse(
                QNetworkRequest(server.url("/file.bin")), id, destination));
    futures.append(downloader.resume(QStringLiteral("a")));
    for (const QFuture<NetworkResponse> &f : std::as_const(futures)) {
        QVERIFY(f.isFinished()); // answered at once, without the event loop or the network
        const NetworkResponse r = f.result();
        QCOMPARE(r.outcome(), NetworkResponse::Outcome::Failed);
        QCOMPARE(r.error(), NetworkResponse::Error::StoreError);
        QVERIFY2(r.errorString().contains(named), qPrintable(r.errorString()));
    }
    QCOMPARE(server.requestCount("/file.bin"), 0);
    QVERIFY(!QFile::exists(destination));

    // The rest of the API stays usable and empty.
    QVERIFY(downloader.pendingIdentifiers().isEmpty());
    QVERIFY(downloader.transfers().isEmpty());
    QVERIFY(!downloader.transfer(QStringLiteral("a")));
    QVERIFY(!downloader.forget(QStringLiteral("a")));
    QVERIFY(!downloader.cancel(QStringLiteral("a")));
    QCOMPARE(readFile(path), before);
}

void tst_Store::recoverStore_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<StoreRecovery::Status>("status");
    QTest::newRow("random bytes") << QStringLiteral("random bytes")
                                  << StoreRecovery::Status::Recovered;
    QTest::newRow("text file") << QStringLiteral("text file") << StoreRecovery::Status::Recovered;
    QTest::newRow("foreign database")
            << QStringLiteral("foreign database") << StoreRecovery::Status::Recovered;
    QTest::newRow("newer schema") << QStringLiteral("newer schema")
                                  << StoreRecovery::Status::Recovered;
    QTest::newRow("healthy") << QStringLiteral("healthy") << StoreRecovery::Status::Healthy;
    // Moving a file aside cannot fix a path that cannot be reached.
    QTest::newRow("parent is a file")
            << QStringLiteral("parent is a file") << StoreRecovery::Status::Failed;
}

// The explicit recovery moves an unusable store aside (with its side files), starts an empty
// one, touches no partial file, and lets the next Downloader work even while one on the broken
// store is still alive. A usable or unreachable store is never moved.
void tst_Store::recoverStore()
{
    QFETCH(QString, kind);
    QFETCH(StoreRecovery::Status, status);

    QString path = storePath();
    if (kind == QLatin1String("parent is a file")) {
        const QString blocker = m_dir->filePath(QStringLiteral("blocker"));
        QVERIFY(writeFile(blocker, "a file where the store's directory should be"));
        path = blocker + QStringLiteral("/store.sqlite");
    } else if (kind == QLatin1String("healthy")) {
        TransferStore store(path);
        QVERIFY(store.open());
        QCOMPARE(claimAs(store, jobRow(), myLease()), kAcquired);
    } else {
        QVERIFY(makeBadFile(kind, path));
    }
    const QByteArray before = readFile(path);
    const QString partial = dest(QStringLiteral(".file.bin.5f3a.part"));
    QVERIFY(writeFile(partial, "partial data of an earlier run"));

    SessionConfiguration config;
    config.setStorePath(path);
    if (status != StoreRecovery::Status::Healthy)
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(".*")));
    auto broken = std::make_unique<Downloader>(config); // alive across the recovery
    if (status == StoreRecovery::Status::Recovered) {
        QCOMPARE(broken->storeError(), NetworkResponse::Error::StoreError);
        QVERIFY2(broken->storeErrorString().contains(QStringLiteral("recoverStore")),
                 qPrintable(broken->storeErrorString()));
    }

    const StoreRecovery r = Background::recoverStore(path);
    QCOMPARE(r.status, status);
    QCOMPARE(r.storePath, QFileInfo(path).absoluteFilePath());
    QCOMPARE(readFile(partial), QByteArray("partial data of an earlier run"));
    switch (status) {
    case StoreRecovery::Status::Recovered: {
        QVERIFY(!r.errorString.isEmpty()); // why the old one could not be used
        QVERIFY2(r.movedTo.startsWith(path + QStringLiteral(".broken-")), qPrintable(r.movedTo));
        QCOMPARE(readFile(r.movedTo), before);
        TransferStore fresh(path);
        QVERIFY2(fresh.open(), qPrintable(fresh.errorString()));
        QVERIFY(fresh.all().isEmpty());
        // A second recovery finds nothing to do.
        QCOMPARE(Background::recoverStore(path).status, StoreRecovery::Status::Healthy);
        break;
    }
    case StoreRecovery::Status::Healthy: {
        QVERIFY(r.movedTo.isEmpty());
        TransferStore store(path);
        QVERIFY(store.open());
        QVERIFY(store.find(QStringLiteral("job")));
        break;
    }
    case StoreRecovery::Status::Failed:
        QVERIFY(r.movedTo.isEmpty());
        QVERIFY(!r.errorString.isEmpty());
        QCOMPARE(readFile(m_dir->filePath(QStringLiteral("blocker"))),
                 QByteArray("a file where the store's directory should be"));
        return;
    }
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("*.broken-*")}).isEmpty(),
             status != StoreRecovery::Status::Recovered);

    // The next Downloader on the path uses the new store, though `broken` still lives: a failed
    // engine is not shared.
    FaultTest::FaultServer server;
    QVERIFY(server.listen());
    FaultTest::Route route;
    route.entity.size = 1000;
    server.setRoute("/file.bin", route);
    Downloader downloader(config);
    QCOMPARE(downloader.storeError(), NetworkResponse::Error::NoError);
    auto f = downloader.networkResponse(QNetworkRequest(server.url("/file.bin")),
                                        QStringLiteral("after"),
                                        dest(QStringLiteral("file.bin")));
    QTRY_VERIFY_WITH_TIMEOUT(f.isFinished(), 10000);
    QVERIFY(f.result().isSuccess());
}

// A store written by the first release (schema 1, downloads only) opens, is brought to the
// current schema in place, and keeps its rows.
void tst_Store::migratesFirstSchema()
{
    const QString path = storePath();
    {
        QSqlDatabase db
                = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("schema1"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral(
                "CREATE TABLE transfers (identifier TEXT PRIMARY KEY NOT NULL, url BLOB NOT NULL,"
                " destination TEXT NOT NULL, partial_path TEXT NOT NULL,"
                " request_headers BLOB NOT NULL DEFAULT '', expected_sha256 BLOB NOT NULL DEFAULT "
                "'',"
                " state INTEGER NOT NULL DEFAULT 0, durable_offset INTEGER NOT NULL DEFAULT 0,"
                " checkpoint_boot_id BLOB NOT NULL DEFAULT '', total INTEGER NOT NULL DEFAULT -1,"
                " etag BLOB NOT NULL DEFAULT '', last_modified BLOB NOT NULL DEFAULT '',"
                " attempts INTEGER NOT NULL DEFAULT 0, counted_attempts INTEGER NOT NULL DEFAULT 0,"
                " next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
                " resumed_from INTEGER NOT NULL DEFAULT 0, outcome INTEGER, http_status INTEGER,"
                " error INTEGER, error_string TEXT, retry_after INTEGER, response_headers BLOB,"
                " bytes INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)")));
        QVERIFY(q.exec(QStringLiteral(
                "CREATE TABLE leases (identifier TEXT PRIMARY KEY NOT NULL, owner_token TEXT NOT "
                "NULL, pid INTEGER NOT NULL, boot_id BLOB NOT NULL, started_at INTEGER NOT NULL,"
                " heartbeat INTEGER NOT NULL)")));
        QVERIFY(q.exec(QStringLiteral(
                "INSERT INTO transfers (identifier, url, destination, partial_path, durable_offset,"
                " etag, created_at, updated_at) VALUES ('old', 'http://127.0.0.1:1/f', '/tmp/f',"
                " '/tmp/.f.1.part', 4096, '\"v1\"', 1, 1)")));
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 1")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("schema1"));

    Background::TransferStore store(path);
    QVERIFY2(store.open(), qPrintable(store.errorString()));
    QCOMPARE(store.pragma(QStringLiteral("user_version")).toInt(),
             Background::TransferStore::SchemaVersion);
    const auto row = store.find(QStringLiteral("old"));
    QVERIFY(row);
    QCOMPARE(row->kind, Background::TransferInfo::Kind::Download);
    QCOMPARE(row->durableOffset, qint64(4096));
    QCOMPARE(row->etag, QByteArray("\"v1\""));
    QVERIFY(row->remoteUrl.isEmpty());
    QCOMPARE(store.unfinishedIdentifiers(Background::TransferInfo::Kind::Download),
             QStringList{QStringLiteral("old")});
    QVERIFY(store.unfinishedIdentifiers(Background::TransferInfo::Kind::Upload).isEmpty());
}

QTEST_GUILESS_MAIN(tst_Store)

#include "tst_store.moc"
