#pragma once

// Scaffolding shared by the in-process Downloader and Uploader tests: one temporary directory,
// one store file and one FaultServer per test function, so no engine is shared between tests.

#include "faultserver.h"
#include "sessionconfiguration.h"
#include "testsupport.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QTest>

#include <chrono>
#include <memory>

namespace BackgroundTest {

// Generous: a failing test should report, not hang; passing ones take a fraction of this.
// The watchdog leaves room for QTRY_*, which waits twice more after a timeout to report.
constexpr int kWaitMs = 10000;
constexpr int kWatchdogMs = 40000;

// For asserting that something does NOT happen: waits the whole time unless it does.
template<typename Condition>
bool staysFalse(Condition condition, int ms)
{
    return !QTest::qWaitFor(condition, ms);
}

// `size` bytes of the fault server's content for `seed`, written in chunks.
inline bool writeSource(const QString &path, qint64 size, quint32 seed = 5)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QByteArray chunk;
    for (qint64 off = 0; off < size; off += chunk.size()) {
        chunk.resize(int(qMin<qint64>(64 * 1024, size - off)));
        FaultTest::FaultServer::fillContent(seed, off, chunk.data(), chunk.size());
        if (f.write(chunk) != chunk.size())
            return false;
    }
    return f.flush();
}

struct TransferHarness
{
    QTemporaryDir dir;
    FaultTest::FaultServer server;
    Watchdog watchdog{std::chrono::milliseconds(kWatchdogMs)};

    bool setUp()
    {
        watchdog.start(); // stops when the harness goes
        if (!dir.isValid() || !QDir(dir.path()).mkpath(QStringLiteral("out"))
            || !QDir(dir.path()).mkpath(QStringLiteral("received")))
            return false;
        server.setUploadDirectory(dir.filePath(QStringLiteral("received")));
        return server.listen();
    }
    QString storePath() const { return dir.filePath(QStringLiteral("transfers.sqlite")); }
    // The raw bytes of the store and its -wal and -shm files, to prove what never reaches them.
    QByteArray storeFileBytes() const
    {
        QByteArray all;
        const QDir d(dir.path());
        const QString base = QFileInfo(storePath()).fileName();
        const QStringList names = d.entryList(QDir::Files | QDir::Hidden);
        for (const QString &n : names) {
            if (n.startsWith(base))
                all += readFile(d.filePath(n));
        }
        return all;
    }
    QString path(const QString &name) const { return dir.filePath(name); }
    // Where downloads go: a folder of their own, so partial files are easy to find.
    QString dest(const QString &name = QStringLiteral("file.bin")) const
    {
        return QDir(dir.filePath(QStringLiteral("out"))).filePath(name);
    }
    // A fresh source file of `size` bytes; empty on failure (QVERIFY the result).
    QString source(qint64 size, const QString &name = QStringLiteral("source.bin"))
    {
        const QString p = path(name);
        return writeSource(p, size) ? p : QString();
    }
    QNetworkRequest request(const QByteArray &path) const
    {
        return QNetworkRequest(server.url(path));
    }
    Background::SessionConfiguration config(int maxRetries = 3) const
    {
        using namespace std::chrono_literals;
        Background::SessionConfiguration c;
        c.setStorePath(storePath());
        Background::RetryPolicy p;
        p.maxRetries = maxRetries;
        p.baseDelay = 10ms;
        p.maxDelay = 40ms;
        c.setRetryPolicy(p);
        c.setCheckpointInterval(50ms);
        return c;
    }
};

// Base of the test classes: a fresh harness `h` for every test function. QTest finds these
// inherited slots; the test classes add only test functions.
class TransferFixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("background.*.info=false"));
    }
    void init()
    {
        h = std::make_unique<TransferHarness>();
        QVERIFY(h->setUp());
    }
    void cleanup() { h.reset(); }

protected:
    std::unique_ptr<TransferHarness> h;
};

} // namespace BackgroundTest

// Waits for a QFuture while the event loop (and so the engine) runs.
#define BG_AWAIT(future) QTRY_VERIFY_WITH_TIMEOUT((future).isFinished(), BackgroundTest::kWaitMs)
