#pragma once

// Shared scaffolding for the Downloader tests: one temporary directory, one store file and one
// FaultServer per test, so no engine is ever shared between two tests.

#include "downloader.h"
#include "faultserver.h"
#include "fileops.h"
#include "transferstore.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDebug>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QTest>

#include <chrono>

namespace DownloaderTest {

using namespace std::chrono_literals;
using Background::NetworkResponse;
using Outcome = Background::NetworkResponse::Outcome;
using Error = Background::NetworkResponse::Error;

// Generous: a failing test should report, not hang; passing ones take a fraction of this.
// The watchdog leaves room for QTRY_*, which waits twice more after a timeout to report.
constexpr int kWaitMs = 10000;
constexpr int kWatchdogMs = 40000;

inline FaultTest::Entity entity(qint64 size, quint32 seed = 7, const QByteArray &etag = "\"v1\"")
{
    FaultTest::Entity e;
    e.size = size;
    e.seed = seed;
    e.etag = etag;
    return e;
}

inline FaultTest::Route route(const FaultTest::Entity &e,
                              const QList<FaultTest::Fault> &script = {},
                              const FaultTest::Fault &then = {})
{
    FaultTest::Route r;
    r.entity = e;
    r.script = script;
    r.then = then;
    return r;
}

inline FaultTest::Fault statusFault(int status, const QByteArray &retryAfter = {})
{
    FaultTest::Fault f;
    f.status = status;
    f.retryAfter = retryAfter;
    return f;
}

inline FaultTest::Fault dropFault(qint64 afterBytes)
{
    FaultTest::Fault f;
    f.dropAfterBytes = afterBytes;
    return f;
}

inline FaultTest::Fault throttled(qint64 bytesPerSecond)
{
    FaultTest::Fault f;
    f.throttle = bytesPerSecond;
    return f;
}

inline QByteArray fileSha256(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QByteArray("<cannot open ") + QFile::encodeName(path) + '>';
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return hash.result().toHex();
}

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

inline QByteArray content(const FaultTest::Entity &e, qint64 offset, qint64 length)
{
    QByteArray out(length, Qt::Uninitialized);
    FaultTest::FaultServer::fillContent(e.seed, offset, out.data(), length);
    return out;
}

// The hidden partial files the library keeps beside `destination`.
inline QStringList partialFilesFor(const QString &destination)
{
    const QFileInfo info(destination);
    const QStringList names = info.absoluteDir().entryList(QDir::Files | QDir::Hidden);
    QStringList out;
    for (const QString &n : names) {
        if (n.startsWith(QLatin1Char('.') + info.fileName() + QLatin1Char('.'))
            && n.endsWith(QLatin1String(".part")))
            out.append(info.absoluteDir().filePath(n));
    }
    return out;
}

inline QString stateOf(const Background::Downloader &dl, const QString &id)
{
    const auto info = dl.transfer(id);
    return info ? Background::TransferInfo::stateName(info->state) : QStringLiteral("<none>");
}

inline QByteArray describe(const NetworkResponse &r)
{
    QString s;
    QDebug(&s) << r;
    return s.toUtf8();
}

// For asserting that something does NOT happen: waits the whole time unless it does.
template<typename Condition>
bool staysFalse(Condition condition, int ms)
{
    return !QTest::qWaitFor(condition, ms);
}

// A pid that certainly belonged to a process and certainly no longer does.
inline qint64 deadPid()
{
    QProcess p;
    p.start(QCoreApplication::applicationFilePath(), {QStringLiteral("-functions")});
    if (!p.waitForStarted(10000))
        return 0;
    const qint64 pid = p.processId();
    p.waitForFinished(10000);
    return pid;
}

// Fresh directory, store path and server for one test.
struct Harness
{
    QTemporaryDir dir;
    FaultTest::FaultServer server;
    QTimer watchdog;

    bool setUp()
    {
        // Aborting beats hanging until ctest's timeout: the log then names the test.
        watchdog.setSingleShot(true);
        QObject::connect(&watchdog, &QTimer::timeout, [] {
            qFatal("watchdog: %s did not end in time", QTest::currentTestFunction());
        });
        watchdog.start(kWatchdogMs);
        return dir.isValid() && QDir(dir.path()).mkpath(QStringLiteral("out")) && server.listen();
    }
    QString storePath() const { return dir.filePath(QStringLiteral("transfers.sqlite")); }
    QString dest(const QString &name = QStringLiteral("file.bin")) const
    {
        return QDir(dir.filePath(QStringLiteral("out"))).filePath(name);
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

inline Background::Lease
lease(const QString &owner, qint64 pid, const QByteArray &boot, qint64 heartbeat)
{
    Background::Lease l;
    l.ownerToken = owner;
    l.pid = pid;
    l.bootId = boot;
    l.startedAt = heartbeat;
    l.heartbeat = heartbeat;
    return l;
}

// What an earlier owner would have left in the store: the row, claimed by `owner`.
// The caller keeps `store` open if the lease must stay; otherwise releases it.
inline bool seedRow(Background::TransferStore &store,
                    const QString &identifier,
                    const QUrl &url,
                    const QString &destination,
                    const QString &partialPath,
                    const Background::Lease &owner)
{
    Background::TransferRow fresh;
    fresh.identifier = identifier;
    fresh.url = url;
    fresh.destination = QFileInfo(destination).absoluteFilePath();
    fresh.partialPath = partialPath;
    Background::TransferRow row;
    const auto claim = store.claim(
            fresh, owner, 15000, [](const Background::Lease &) { return false; }, &row);
    return claim == Background::TransferStore::Claim::Acquired;
}

} // namespace DownloaderTest

// Waits for a QFuture while the event loop (and so the engine) runs.
#define BG_AWAIT(future) QTRY_VERIFY_WITH_TIMEOUT((future).isFinished(), DownloaderTest::kWaitMs)
