#pragma once

// Shared scaffolding for the Downloader tests: one temporary directory, one store file and one
// FaultServer per test, so no engine is ever shared between two tests.

#include "downloader.h"
#include "faultserver.h"
#include "fileops.h"
#include "testsupport.h"
#include "transferstore.h"
#include "transfertest.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QDebug>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QTest>

#include <chrono>
#include <memory>

namespace DownloaderTest {

using namespace std::chrono_literals;
using namespace BackgroundTest;
using Background::NetworkResponse;
using Outcome = Background::NetworkResponse::Outcome;
using Error = Background::NetworkResponse::Error;

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

inline QByteArray content(const FaultTest::Entity &e, qint64 offset, qint64 length)
{
    QByteArray out(length, Qt::Uninitialized);
    FaultTest::FaultServer::fillContent(e.seed, offset, out.data(), length);
    return out;
}

// True once the library keeps a partial file beside `destination` with bytes in it.
inline bool partialFileHasData(const QString &destination)
{
    const QStringList parts = partialFiles(destination);
    return !parts.isEmpty() && QFileInfo(parts.constFirst()).size() > 0;
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

using Harness = BackgroundTest::TransferHarness;

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

using Fixture = BackgroundTest::TransferFixture;

} // namespace DownloaderTest
