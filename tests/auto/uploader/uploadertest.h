#pragma once

// Scaffolding for the Uploader tests: one temporary directory, store and FaultServer per test,
// and source files written in chunks from FaultServer's deterministic content.

#include "downloader.h"
#include "faultserver.h"
#include "multipart.h"
#include "testsupport.h"
#include "uploader.h"

#include <QtCore/QDateTime>
#include <QtCore/QDebug>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QTest>

#include <chrono>
#include <memory>

namespace UploaderTest {

using namespace std::chrono_literals;
using namespace BackgroundTest;
using Background::NetworkResponse;
using Background::UploadOptions;
using Outcome = Background::NetworkResponse::Outcome;
using Error = Background::NetworkResponse::Error;

constexpr int kWaitMs = 10000;
constexpr int kWatchdogMs = 40000;
constexpr qint64 kKiB = 1024;
constexpr qint64 kMiB = 1024 * 1024;

// Streams `size` bytes of content(seed) into `path`, 64 KiB at a time.
inline bool writeSource(const QString &path, qint64 size, quint32 seed = 5)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QByteArray chunk;
    for (qint64 off = 0; off < size; off += chunk.size()) {
        chunk.resize(int(qMin<qint64>(64 * kKiB, size - off)));
        FaultTest::FaultServer::fillContent(seed, off, chunk.data(), chunk.size());
        if (f.write(chunk) != chunk.size())
            return false;
    }
    return f.flush();
}

inline QByteArray generated(quint32 seed, qint64 offset, qint64 length)
{
    QByteArray out(length, Qt::Uninitialized);
    FaultTest::FaultServer::fillContent(seed, offset, out.data(), length);
    return out;
}

inline FaultTest::Fault statusFault(int status, const QByteArray &retryAfter = {})
{
    FaultTest::Fault f;
    f.status = status;
    f.retryAfter = retryAfter;
    return f;
}

inline FaultTest::Fault redirectFault(int status, const QByteArray &location)
{
    FaultTest::Fault f;
    f.status = status;
    f.location = location;
    return f;
}

inline FaultTest::UploadRoute uploadRoute(const QList<FaultTest::Fault> &script = {},
                                          const FaultTest::Fault &then = {})
{
    FaultTest::UploadRoute r;
    r.script = script;
    r.then = then;
    return r;
}

inline FaultTest::UploadRoute throttledRoute(qint64 bytesPerSecond)
{
    FaultTest::Fault f;
    f.throttle = bytesPerSecond;
    return uploadRoute({}, f);
}

inline QByteArray describe(const NetworkResponse &r)
{
    QString s;
    QDebug(&s) << r;
    return s.toUtf8();
}

template<typename Condition>
bool staysFalse(Condition condition, int ms)
{
    return !QTest::qWaitFor(condition, ms);
}

struct Harness
{
    QTemporaryDir dir;
    FaultTest::FaultServer server;
    Watchdog watchdog{std::chrono::milliseconds(kWatchdogMs)};

    bool setUp()
    {
        watchdog.start();
        if (!dir.isValid() || !QDir(dir.path()).mkpath(QStringLiteral("received")))
            return false;
        server.setUploadDirectory(dir.filePath(QStringLiteral("received")));
        return server.listen();
    }
    QString storePath() const { return dir.filePath(QStringLiteral("transfers.sqlite")); }
    QString path(const QString &name) const { return dir.filePath(name); }
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

class Fixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("background.*.info=false"));
    }
    void init()
    {
        h = std::make_unique<Harness>();
        QVERIFY(h->setUp());
    }
    void cleanup() { h.reset(); }

protected:
    std::unique_ptr<Harness> h;
};

} // namespace UploaderTest

#define BG_AWAIT(future) QTRY_VERIFY_WITH_TIMEOUT((future).isFinished(), UploaderTest::kWaitMs)
