// bg-store-bench: QBENCHMARK figures for the TransferStore calls a transfer makes while it runs:
// enqueue and claim once per transfer, saveAttemptState and saveEntity once per attempt,
// saveCheckpoint once a second (checkpointInterval), heartbeat once per leaseTimeout / 3 for
// the whole engine, finish once per result. Each call is measured on a copy of a store that
// holds 0, 1,000 or 10,000 other rows (the global data), so a cost that grows with the store
// shows. Not a test: ctest never runs it, and nothing here asserts a time.

#include "networkresponse.h"
#include "transferstore.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QMap>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <iterator>
#include <memory>

using namespace Background;

namespace {

const QString kOwner = QStringLiteral("bench-owner");
const QByteArray kBootId = QByteArrayLiteral("0f6e2c4a-8d1b-4f3e-9a7c-5b2d1e0c9f84");
// finish() needs a fresh unfinished row per iteration; the walltime measurer stops doubling
// its iterations once a run takes 50 ms, well before this many commits.
constexpr int kFinishPool = 1024;

Lease myLease()
{
    Lease l;
    l.ownerToken = kOwner;
    l.pid = QCoreApplication::applicationPid();
    l.bootId = kBootId;
    l.startedAt = QDateTime::currentMSecsSinceEpoch();
    l.heartbeat = l.startedAt;
    return l;
}

// Leases here belong to this process, which is alive.
bool ownerIsDead(const Lease &)
{
    return false;
}

// A download as the engine would store it (paths and URL of a realistic length).
TransferRow downloadRow(const QString &identifier, const QString &dir)
{
    TransferRow fresh;
    fresh.identifier = identifier;
    fresh.url = QUrl(QStringLiteral("https://downloads.example.org/releases/2026/") + identifier
                     + QStringLiteral(".tar.gz"));
    fresh.destination
            = dir + QStringLiteral("/Downloads/") + identifier + QStringLiteral(".tar.gz");
    fresh.partialPath
            = dir + QStringLiteral("/store.sqlite.bodies/") + identifier + QStringLiteral(".part");
    fresh.requestHeaders = {{QByteArrayLiteral("Accept"), QByteArrayLiteral("*/*")}};
    return fresh;
}

// What the library runs with: WAL, and synchronous=FULL (2) between its writes.
bool storeIsAsShipped(TransferStore &store)
{
    return store.pragma(QStringLiteral("journal_mode")).toString() == QLatin1String("wal")
           && store.pragma(QStringLiteral("synchronous")).toInt() == 2;
}

} // namespace

class StoreBench : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void initTestCase_data();
    void init();
    void cleanup();

    void enqueue();
    void claim();
    void saveAttemptState();
    void saveEntity();
    void saveCheckpoint();
    void heartbeat();
    void finish();

private:
    QString templateFor(int others);
    // Unmeasured preparation writes: no fsync per commit, then back to what the library uses.
    void setFastWrites(bool fast);

    QTemporaryDir m_templates;
    QMap<int, QString> m_templateByRows;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TransferStore> m_store;
    const QString m_subject = QStringLiteral("subject");
};

void StoreBench::initTestCase()
{
    QVERIFY(m_templates.isValid());
}

void StoreBench::initTestCase_data()
{
    QTest::addColumn<int>("others");
    QTest::newRow("alone") << 0;
    QTest::newRow("1000-others") << 1000;
    QTest::newRow("10000-others") << 10000;
}

// A closed store file with `others` queued downloads, seeded once per size: enqueue in a loop
// (the store has no bulk insert) without fsync, each size grown from the one below it.
QString StoreBench::templateFor(int others)
{
    if (m_templateByRows.contains(others))
        return m_templateByRows.value(others);
    const QString path = m_templates.filePath(QStringLiteral("seed-%1.sqlite").arg(others));
    // The largest smaller one: QMap keys are sorted.
    const QMap<int, QString> &byRows = m_templateByRows;
    const auto below = byRows.lowerBound(others);
    const int from = below == byRows.cbegin() ? 0 : std::prev(below).key();
    if (from > 0 && !QFile::copy(m_templateByRows.value(from), path))
        return {};
    {
        TransferStore seed(path);
        if (!seed.open())
            return {};
        seed.pragma(QStringLiteral("synchronous=OFF"));
        for (int i = from; i < others; ++i) {
            TransferRow row;
            if (seed.enqueue(downloadRow(QStringLiteral("other-%1").arg(i), m_templates.path()),
                             &row)
                != TransferStore::Claim::Queued)
                return {};
        }
    } // the last connection closes: SQLite checkpoints the WAL into the file and deletes it
    if (QFile::exists(path + QStringLiteral("-wal")))
        return {}; // a copy of the main file alone would miss rows
    m_templateByRows.insert(others, path);
    return path;
}

void StoreBench::setFastWrites(bool fast)
{
    m_store->pragma(fast ? QStringLiteral("synchronous=OFF") : QStringLiteral("synchronous=FULL"));
    if (!fast) // the measured writes start from an empty WAL, whatever the preparation left
        m_store->pragma(QStringLiteral("wal_checkpoint(TRUNCATE)"));
}

void StoreBench::init()
{
    QFETCH_GLOBAL(int, others);
    const QString seed = templateFor(others);
    QVERIFY2(!seed.isEmpty(), "seeding the store failed");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    const QString path = m_dir->filePath(QStringLiteral("store.sqlite"));
    QVERIFY(QFile::copy(seed, path));
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
    m_store = std::make_unique<TransferStore>(path);
    QVERIFY2(m_store->open(), qPrintable(m_store->errorString()));

    // The row under measurement: queued, then claimed, as the engine does before a job runs.
    setFastWrites(true);
    TransferRow row;
    QCOMPARE(m_store->enqueue(downloadRow(m_subject, m_dir->path()), &row),
             TransferStore::Claim::Queued);
    QCOMPARE(m_store->claim(row, myLease(), 15000, ownerIsDead, &row),
             TransferStore::Claim::Acquired);
    setFastWrites(false);
    QVERIFY(storeIsAsShipped(*m_store));
}

void StoreBench::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

// Per transfer asked for: BEGIN IMMEDIATE, look the identifier up, insert, read it back, commit.
void StoreBench::enqueue()
{
    const QString dir = m_dir->path();
    int n = 0;
    bool ok = true;
    QBENCHMARK
    {
        TransferRow row;
        ok = ok
             && m_store->enqueue(downloadRow(QStringLiteral("new-%1").arg(n++), dir), &row)
                        == TransferStore::Claim::Queued;
    }
    QVERIFY(ok);
}

// Per transfer started (and per restart): a transaction that reads the row and its lease and
// writes the lease. Taking our own lease again costs what taking a free one does.
void StoreBench::claim()
{
    const TransferRow fresh = downloadRow(m_subject, m_dir->path());
    bool ok = true;
    QBENCHMARK
    {
        TransferRow row;
        ok = ok
             && m_store->claim(fresh, myLease(), 15000, ownerIsDead, &row, false)
                        == TransferStore::Claim::Acquired;
    }
    QVERIFY(ok);
}

// Per attempt (Running at its start, Waiting with the retry time after a transient failure).
void StoreBench::saveAttemptState()
{
    TransferRow row = downloadRow(m_subject, m_dir->path());
    row.state = TransferInfo::State::Running;
    bool ok = true;
    QBENCHMARK
    {
        row.attempts += 1;
        ok = ok && m_store->saveAttemptState(m_subject, row);
    }
    QVERIFY(ok);
}

// Per attempt, once the response head is accepted: validators with the offset they belong to.
void StoreBench::saveEntity()
{
    qint64 offset = 0;
    bool ok = true;
    QBENCHMARK
    {
        offset += 1;
        ok = ok
             && m_store->saveEntity(m_subject,
                                    offset,
                                    1 << 30,
                                    QByteArrayLiteral("\"5f3c-1a2b3c4d5e6f\""),
                                    QByteArrayLiteral("Sat, 28 Nov 2026 12:00:00 GMT"),
                                    kBootId);
    }
    QVERIFY(ok);
}

// Once a second per running download (after the partial file's own fsync, not measured here).
void StoreBench::saveCheckpoint()
{
    qint64 offset = 0;
    bool ok = true;
    QBENCHMARK
    {
        offset += 4 << 20;
        ok = ok && m_store->saveCheckpoint(m_subject, offset, kBootId);
    }
    QVERIFY(ok);
    QCOMPARE(m_store->find(m_subject)->durableOffset, offset);
}

// Once per leaseTimeout / 3 (5 s by default) per engine, for all its leases in one statement.
void StoreBench::heartbeat()
{
    qint64 now = QDateTime::currentMSecsSinceEpoch();
    bool ok = true;
    QBENCHMARK
    {
        ok = ok && m_store->heartbeat(kOwner, ++now);
    }
    QVERIFY(ok);
    QCOMPARE(m_store->lease(m_subject)->heartbeat, now);
}

// Once per result: the row becomes Finished and its lease goes, in one transaction. Each
// iteration needs a row not yet finished, so a pool of claimed rows is made first (unmeasured).
void StoreBench::finish()
{
    setFastWrites(true);
    QStringList pool;
    for (int i = 0; i < kFinishPool; ++i) {
        TransferRow row;
        const TransferRow fresh = downloadRow(QStringLiteral("pool-%1").arg(i), m_dir->path());
        QCOMPARE(m_store->claim(fresh, myLease(), 15000, ownerIsDead, &row),
                 TransferStore::Claim::Acquired);
        pool.append(fresh.identifier);
    }
    setFastWrites(false);
    QVERIFY(storeIsAsShipped(*m_store));

    NetworkResponse result;
    result.setOutcome(NetworkResponse::Outcome::Success);
    result.setHttpStatus(200);
    result.setHeaders({{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/gzip")},
                       {QByteArrayLiteral("ETag"), QByteArrayLiteral("\"5f3c-1a2b3c4d5e6f\"")}});
    result.setBytes(1 << 30);
    result.setAttempts(1);
    int n = 0;
    bool ok = true;
    QBENCHMARK
    {
        if (n == pool.size())
            QFAIL("more iterations than rows prepared for finish(); pass a smaller -iterations");
        result.setIdentifier(pool.at(n));
        ok = ok && m_store->finish(pool.at(n++), result);
    }
    QVERIFY(ok);
    QCOMPARE(m_store->find(pool.first())->state, TransferInfo::State::Finished);
}

QTEST_GUILESS_MAIN(StoreBench)
#include "tst_storebench.moc"
