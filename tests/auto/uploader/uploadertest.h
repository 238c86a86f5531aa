#pragma once

// Scaffolding for the Uploader tests: one temporary directory, store and FaultServer per test,
// and source files written in chunks from FaultServer's deterministic content.

#include "downloader.h"
#include "faultserver.h"
#include "multipart.h"
#include "testsupport.h"
#include "transfertest.h"
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

constexpr qint64 kKiB = 1024;
constexpr qint64 kMiB = 1024 * 1024;

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

using Harness = BackgroundTest::TransferHarness;

using Fixture = BackgroundTest::TransferFixture;

} // namespace UploaderTest
