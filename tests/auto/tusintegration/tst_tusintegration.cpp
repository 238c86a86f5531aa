// The tus client against a real tus server (@tus/server with @tus/file-store, run by node; see
// scripts/install-tus-server.sh): what the server stored, byte for byte, and what it saw in
// every request. Without the server installed the test skips, unless
// BACKGROUND_REQUIRE_INTEGRATION=1 (as scripts/test.sh sets), which makes a skip a failure.

#include "testsupport.h"
#include "tusserver.h"
#include "uploader.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <chrono>
#include <memory>

using namespace std::chrono_literals;
using namespace TusTest;
using Background::NetworkResponse;
using Background::UploadOptions;
using BackgroundTest::fileSha256;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 kRate = MiB;    // bytes per second while a test means to interrupt an upload
constexpr int kWaitMs = 15000;   // for what should happen soon (QTRY_* waits longer to report)
constexpr int kUploadMs = 40000; // for a whole (rate-limited) upload or bgtransfer run

QString setting(const char *environment, const char *builtIn)
{
    const QString fromEnvironment = qEnvironmentVariable(environment);
    return fromEnvironment.isEmpty() ? QString::fromUtf8(builtIn) : fromEnvironment;
}

// Deterministic, not repetitive: a shifted chunk would not go unnoticed.
bool writeSource(const QString &path, qint64 size)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QByteArray chunk(64 * KiB, Qt::Uninitialized);
    quint32 x = 2463534242u;
    for (qint64 off = 0; off < size; off += chunk.size()) {
        chunk.resize(int(qMin<qint64>(64 * KiB, size - off)));
        for (char &c : chunk) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            c = char(x);
        }
        if (f.write(chunk) != chunk.size())
            return false;
    }
    return f.flush();
}

QString describe(const NetworkResponse &r)
{
    return QStringLiteral("%1, HTTP %2: %3")
            .arg(NetworkResponse::outcomeName(r.outcome()))
            .arg(r.httpStatus())
            .arg(r.errorString());
}

// The requests for one upload (its URL), in order.
QList<TusRequest> forUpload(const QList<TusRequest> &requests, const QString &id)
{
    QList<TusRequest> out;
    for (const TusRequest &r : requests) {
        if (r.url == "/files/" + id.toUtf8())
            out.append(r);
    }
    return out;
}

bool integrationRequired()
{
    return qEnvironmentVariable("BACKGROUND_REQUIRE_INTEGRATION") == QLatin1String("1");
}

} // namespace

// A missing part skips, unless scripts/test.sh (or CI) said that it must not.
#define SKIP_OR_FAIL(why)                                                                          \
    do {                                                                                           \
        const QString reason_ = (why);                                                             \
        if (integrationRequired())                                                                 \
            QFAIL(qPrintable(reason_ + QStringLiteral(" (BACKGROUND_REQUIRE_INTEGRATION=1)")));    \
        QSKIP(qPrintable(reason_));                                                                \
    } while (false)

#define TUS_AWAIT(future)                                                                          \
    QVERIFY2(QTest::qWaitFor([&] { return (future).isFinished(); }, kUploadMs),                    \
             "the upload did not finish")

class tst_TusIntegration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void upload_data();
    void upload();
    void serverKilledMidUpload();
    void cancelDeletesTheUpload();
    void cliKilledAndRunAgain_data();
    void cliKilledAndRunAgain();

private:
    Background::SessionConfiguration config(qint64 maximumRate = 0) const;
    QString source(qint64 size);
    // Once every request the server saw has its answer (the log line of an answer may reach us
    // after the client has seen it).
    bool logSettled() const;
    QProcess *startCli(const QStringList &arguments);

    QString m_node;
    QString m_modules;
    QString m_script;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TusServer> m_server;
    std::unique_ptr<Background::Uploader> m_uploader;
    std::unique_ptr<BackgroundTest::ChildProcesses> m_children;
    BackgroundTest::Watchdog m_watchdog{std::chrono::milliseconds(100000)};
};

void tst_TusIntegration::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("background.*.info=false"));
    m_node = setting("BACKGROUND_NODE", TUS_NODE_EXECUTABLE);
    m_modules = setting("BACKGROUND_TUS_SERVER_DIR", TUS_SERVER_DIR);
    m_script = QStringLiteral(TUS_SERVER_SCRIPT);
    QString missing;
    if (m_modules.isEmpty())
        missing = QStringLiteral("no tus server directory: configure with "
                                 "-DBACKGROUND_TUS_SERVER_DIR=$(scripts/install-tus-server.sh)");
    else if (!QFileInfo::exists(m_modules
                                + QStringLiteral("/node_modules/@tus/server/package.json"))
             || !QFileInfo::exists(m_modules
                                   + QStringLiteral("/node_modules/@tus/file-store/package.json")))
        missing = QStringLiteral("no @tus/server and @tus/file-store in %1: run "
                                 "scripts/install-tus-server.sh")
                          .arg(m_modules);
    else if (m_node.isEmpty() || !QFileInfo(m_node).isExecutable())
        missing = QStringLiteral("no node executable ('%1'): run scripts/install-tus-server.sh")
                          .arg(m_node);
    if (!missing.isEmpty())
        SKIP_OR_FAIL(missing);
}

void tst_TusIntegration::init()
{
    m_watchdog.start();
    m_dir = std::make_unique<QTemporaryDir>();
    m_children = std::make_unique<BackgroundTest::ChildProcesses>(m_dir->path());
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<TusServer>(
            m_node, m_modules, m_script, m_dir->filePath(QStringLiteral("tus-store")));
    QVERIFY(m_server->listen());
}

void tst_TusIntegration::cleanup()
{
    m_uploader.reset();
    m_children.reset(); // kills what is left
    // TST_TUS_LOG=1 shows what the server saw in passing tests too.
    if ((QTest::currentTestFailed() || qEnvironmentVariableIsSet("TST_TUS_LOG")) && m_server)
        qInfo().noquote() << "server log:\n" << m_server->describeLog();
    m_server.reset();
    m_dir.reset();
    m_watchdog.stop();
}

Background::SessionConfiguration tst_TusIntegration::config(qint64 maximumRate) const
{
    Background::SessionConfiguration c;
    c.setStorePath(m_dir->filePath(QStringLiteral("transfers.sqlite")));
    Background::RetryPolicy retry;
    retry.maxRetries = 5;
    retry.baseDelay = 20ms;
    retry.maxDelay = 100ms;
    c.setRetryPolicy(retry);
    c.setCheckpointInterval(50ms);
    c.setMaximumRate(maximumRate);
    return c;
}

QString tst_TusIntegration::source(qint64 size)
{
    const QString path = m_dir->filePath(QStringLiteral("source.bin"));
    return writeSource(path, size) ? path : QString();
}

bool tst_TusIntegration::logSettled() const
{
    const QList<TusRequest> all = m_server->requests();
    for (const TusRequest &r : all) {
        if (r.generation == m_server->generation() && !r.settled())
            return false;
    }
    return true;
}

QProcess *tst_TusIntegration::startCli(const QStringList &arguments)
{
    return m_children->start(QStringLiteral(BGTRANSFER_PATH), arguments);
}

// (a) and (b): a whole upload in one PATCH or in chunks; what the server stored and saw.
void tst_TusIntegration::upload_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("chunkSize");
    QTest::addColumn<bool>("checksum");
    QTest::addColumn<QList<qint64>>("offsets"); // of the PATCH requests, in order

    QTest::newRow("whole 5 MiB") << 5 * MiB << qint64(0) << false << QList<qint64>{0};
    QTest::newRow("1 MiB chunks of 3.5 MiB")
            << 3 * MiB + 512 * KiB << MiB << false << QList<qint64>{0, MiB, 2 * MiB, 3 * MiB};
    // FileStore has no checksum extension: the client must not send Upload-Checksum.
    QTest::newRow("checksum not advertised")
            << MiB + 512 * KiB << MiB << true << QList<qint64>{0, MiB};
}

void tst_TusIntegration::upload()
{
    QFETCH(qint64, size);
    QFETCH(qint64, chunkSize);
    QFETCH(bool, checksum);
    QFETCH(QList<qint64>, offsets);
    QVERIFY(m_server->start());
    const QString src = source(size);
    QVERIFY(!src.isEmpty());

    UploadOptions options;
    options.protocol = UploadOptions::Protocol::Tus;
    options.chunkSize = chunkSize;
    options.tusChecksum = checksum;
    options.fileName = QStringLiteral("report ü.bin");
    options.contentType = "application/x-report";
    options.fields = {{QStringLiteral("app"), QStringLiteral("1.2.0")}};
    m_uploader = std::make_unique<Background::Uploader>(config());
    const QFuture<NetworkResponse> future = m_uploader->networkResponse(
            QNetworkRequest(m_server->endpoint()), src, QStringLiteral("up"), options);
    TUS_AWAIT(future);
    const NetworkResponse r = future.result();
    QVERIFY2(r.outcome() == NetworkResponse::Outcome::Success, qPrintable(describe(r)));
    QTRY_VERIFY_WITH_TIMEOUT(logSettled(), kWaitMs);

    // One creation, announcing the size.
    const QList<TusRequest> posts = m_server->requests("POST");
    QVERIFY(posts.size() == 1);
    QCOMPARE(posts.first().status, 201);
    QCOMPARE(posts.first().uploadLength, size);
    const QString id = m_server->firstUploadId();
    QVERIFY(!id.isEmpty());
    const QByteArray uploadPath = "/files/" + id.toUtf8();

    // The PATCH requests: from the expected offsets, each with its share of the file.
    const QList<TusRequest> patches = m_server->requests("PATCH");
    QList<qint64> seen;
    for (const TusRequest &p : patches)
        seen.append(p.uploadOffset);
    QVERIFY(seen == offsets);
    for (const TusRequest &p : patches) {
        const qint64 expected
                = chunkSize > 0 ? qMin(chunkSize, size - p.uploadOffset) : size - p.uploadOffset;
        QVERIFY(p.url == uploadPath);
        QVERIFY(p.contentLength == expected);
        QVERIFY(p.status == 204);
        QVERIFY(p.responseOffset == p.uploadOffset + expected);
        QVERIFY(p.uploadChecksum.isEmpty());
    }
    // A clean run provokes no error answer, and every request speaks tus 1.0.0.
    for (const TusRequest &q : m_server->requests()) {
        QVERIFY(q.status >= 200 && q.status < 300);
        QVERIFY(q.method == "OPTIONS" || q.tusResumable == "1.0.0");
    }

    QCOMPARE(fileSha256(m_server->storedPath(id)), fileSha256(src));
    const QJsonObject metadata = m_server->storedMetadata(id);
    QCOMPARE(metadata.value(QStringLiteral("filename")).toString(), options.fileName);
    QCOMPARE(metadata.value(QStringLiteral("filetype")).toString(),
             QStringLiteral("application/x-report"));
    QCOMPARE(metadata.value(QStringLiteral("app")).toString(), QStringLiteral("1.2.0"));

    const std::optional<Background::TransferInfo> info = m_uploader->transfer(QStringLiteral("up"));
    QVERIFY(info);
    QCOMPARE(info->remoteUrl, QUrl(QString::fromUtf8(posts.first().location)));
}

// (c) The server dies with SIGKILL mid-PATCH and comes back on the same port and directory: the
// client asks where the server stopped (HEAD) and continues from there.
void tst_TusIntegration::serverKilledMidUpload()
{
    const qint64 size = 6 * MiB;
    QVERIFY(m_server->start(kRate));
    const QString src = source(size);
    QVERIFY(!src.isEmpty());
    UploadOptions options;
    options.protocol = UploadOptions::Protocol::Tus;
    m_uploader = std::make_unique<Background::Uploader>(config(kRate));
    const QFuture<NetworkResponse> future = m_uploader->networkResponse(
            QNetworkRequest(m_server->endpoint()), src, QStringLiteral("k"), options);

    QTRY_VERIFY_WITH_TIMEOUT(m_server->storedSize(m_server->firstUploadId()) >= 2 * MiB, kWaitMs);
    const QString id = m_server->firstUploadId();
    QVERIFY(m_server->kill());
    const qint64 atKill = m_server->storedSize(id); // final: nothing writes to it any more
    QVERIFY2(atKill < size, "the upload finished before the server was killed");
    const int before = m_server->requests().size();
    QVERIFY(m_server->start()); // unthrottled: the rest need not take long

    TUS_AWAIT(future);
    const NetworkResponse r = future.result();
    QVERIFY2(r.outcome() == NetworkResponse::Outcome::Success, qPrintable(describe(r)));
    QTRY_VERIFY_WITH_TIMEOUT(logSettled(), kWaitMs);
    QCOMPARE(fileSha256(m_server->storedPath(id)), fileSha256(src));

    // The new server: first asked where the upload stands (HEAD; a PATCH from a stale offset
    // would be refused with 409 after its body was sent), then the rest from exactly there.
    QVERIFY(m_server->requests("POST", before).isEmpty());
    const QList<TusRequest> after = forUpload(m_server->requests().mid(before), id);
    QVERIFY(!after.isEmpty() && after.first().method == "HEAD");
    QVERIFY(after.first().status == 200 && after.first().responseOffset == atKill);
    const QList<TusRequest> patches = m_server->requests("PATCH", before);
    QVERIFY(!patches.isEmpty() && patches.first().uploadOffset == atKill);
    QVERIFY(patches.first().uploadOffset > 0);
    QVERIFY(patches.last().status == 204 && patches.last().responseOffset == size);
    for (const TusRequest &q : after)
        QVERIFY(q.status != 409);
    qInfo("server killed with %lld of %lld bytes stored; the client resumed at %lld",
          atKill,
          size,
          patches.first().uploadOffset);
}

// (d) cancel() mid-upload terminates the upload on the server (DELETE): its file is gone.
void tst_TusIntegration::cancelDeletesTheUpload()
{
    QVERIFY(m_server->start(kRate));
    const QString src = source(6 * MiB);
    QVERIFY(!src.isEmpty());
    UploadOptions options;
    options.protocol = UploadOptions::Protocol::Tus;
    m_uploader = std::make_unique<Background::Uploader>(config(kRate));
    const QFuture<NetworkResponse> future = m_uploader->networkResponse(
            QNetworkRequest(m_server->endpoint()), src, QStringLiteral("c"), options);

    QTRY_VERIFY_WITH_TIMEOUT(m_server->storedSize(m_server->firstUploadId()) >= 256 * KiB, kWaitMs);
    const QString id = m_server->firstUploadId();
    QVERIFY(m_uploader->cancel(QStringLiteral("c")));
    TUS_AWAIT(future);
    QCOMPARE(future.result().outcome(), NetworkResponse::Outcome::Failed);
    QCOMPARE(future.result().error(), NetworkResponse::Error::Canceled);
    QVERIFY(!m_uploader->transfer(QStringLiteral("c")));

    const QByteArray uploadPath = "/files/" + id.toUtf8();
    const auto deleted = [&] {
        for (const TusRequest &d : m_server->requests("DELETE")) {
            if (d.url == uploadPath && d.status == 204)
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(deleted(), kWaitMs);
    QVERIFY(!QFileInfo::exists(m_server->storedPath(id)));
    QVERIFY(!QFileInfo::exists(m_server->storedInfoPath(id)));
    // Nothing more is sent for it.
    const QList<TusRequest> all = m_server->requests();
    qsizetype deleteAt = -1;
    for (qsizetype i = 0; i < all.size(); ++i) {
        if (all.at(i).method == "DELETE")
            deleteAt = i;
    }
    for (qsizetype i = deleteAt + 1; i < all.size(); ++i)
        QVERIFY(!all.at(i).url.startsWith(uploadPath));
}

// (e) and (f): bgtransfer killed with SIGKILL mid-upload, then the same command line again. With
// the upload intact it continues where the server stopped; when the upload URL is gone (deleted
// here with a DELETE of our own) it creates a new upload and sends everything.
void tst_TusIntegration::cliKilledAndRunAgain_data()
{
    QTest::addColumn<bool>("deleteUpload");
    QTest::newRow("resumes") << false;
    QTest::newRow("upload URL gone") << true;
}

void tst_TusIntegration::cliKilledAndRunAgain()
{
    QFETCH(bool, deleteUpload);
    if (!QFileInfo(QStringLiteral(BGTRANSFER_PATH)).isExecutable())
        SKIP_OR_FAIL(
                QStringLiteral("no bgtransfer: configure with -DBACKGROUND_BUILD_EXAMPLES=ON"));
    const qint64 size = 6 * MiB;
    QVERIFY(m_server->start(kRate));
    const QString src = source(size);
    QVERIFY(!src.isEmpty());
    const QStringList command = {QStringLiteral("--store"),
                                 m_dir->filePath(QStringLiteral("store.sqlite")),
                                 QStringLiteral("--limit-rate"),
                                 QString::number(kRate),
                                 QStringLiteral("upload"),
                                 src,
                                 m_server->endpoint().toString(),
                                 QStringLiteral("--id"),
                                 QStringLiteral("cli"),
                                 QStringLiteral("--tus")};

    QProcess *first = startCli(command);
    QSignalSpy firstDone(first, &QProcess::finished);
    QTRY_VERIFY_WITH_TIMEOUT(m_server->storedSize(m_server->firstUploadId()) >= MiB + 512 * KiB
                                     || !firstDone.isEmpty(),
                             kWaitMs);
    QVERIFY2(firstDone.isEmpty(), first->readAllStandardError().constData());
    first->kill();
    QVERIFY(firstDone.wait(10000) || !firstDone.isEmpty());
    QCOMPARE(first->exitStatus(), QProcess::CrashExit);
    const QString id = m_server->firstUploadId();
    const qint64 atKill = m_server->storedSize(id);
    // The server finishes with the broken PATCH; what it has then is what a resume must find.
    QTRY_VERIFY_WITH_TIMEOUT(logSettled() && !m_server->isWriting(id), kWaitMs);
    const qint64 stored = m_server->storedSize(id);
    QVERIFY(atKill > 0 && stored >= atKill && stored < size);
    const QByteArray location = m_server->requests("POST").first().location;

    if (deleteUpload) {
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(QString::fromUtf8(location)));
        request.setRawHeader("Tus-Resumable", "1.0.0");
        std::unique_ptr<QNetworkReply> reply(nam.deleteResource(request));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kWaitMs);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 204);
        QVERIFY(!QFileInfo::exists(m_server->storedPath(id)));
    }

    const int before = m_server->requests().size();
    QProcess *second = startCli(command);
    QSignalSpy secondDone(second, &QProcess::finished);
    QVERIFY(secondDone.wait(kUploadMs) || !secondDone.isEmpty());
    const QByteArray err = second->readAllStandardError();
    QVERIFY2(second->exitStatus() == QProcess::NormalExit && second->exitCode() == 0,
             qPrintable(QStringLiteral("exit %1: %2")
                                .arg(second->exitCode())
                                .arg(QString::fromLocal8Bit(err))));
    QVERIFY2(err.isEmpty(), err.constData());
    QTRY_VERIFY_WITH_TIMEOUT(logSettled(), kWaitMs);

    const QList<TusRequest> posts = m_server->requests("POST", before);
    const QList<TusRequest> patches = m_server->requests("PATCH", before);
    QVERIFY(!patches.isEmpty());
    QVERIFY(patches.last().status == 204 && patches.last().responseOffset == size);
    if (!deleteUpload) {
        QVERIFY(posts.isEmpty());
        const QList<TusRequest> again = forUpload(m_server->requests().mid(before), id);
        QVERIFY(!again.isEmpty() && again.first().method == "HEAD");
        QVERIFY(again.first().responseOffset == stored);
        QVERIFY(patches.first().uploadOffset == stored && stored > 0);
        for (const TusRequest &q : again)
            QVERIFY(q.status != 409);
        QCOMPARE(fileSha256(m_server->storedPath(id)), fileSha256(src));
        qInfo("bgtransfer killed with %lld of %lld bytes in the server's file (%lld once the "
              "server was done with the broken PATCH); the second run resumed at %lld",
              atKill,
              size,
              stored,
              patches.first().uploadOffset);
        return;
    }
    // The old URL answers 404: a new upload, sent from its first byte.
    const QByteArray oldPath = "/files/" + id.toUtf8();
    bool goneSeen = false;
    for (const TusRequest &q : m_server->requests().mid(before))
        goneSeen = goneSeen || (q.url == oldPath && (q.status == 404 || q.status == 410));
    QVERIFY(goneSeen);
    QVERIFY(posts.size() == 1 && posts.first().status == 201);
    const QString newId = TusServer::uploadId(posts.first().location);
    QVERIFY(newId != id);
    QVERIFY(patches.first().uploadOffset == 0);
    for (const TusRequest &p : patches)
        QVERIFY(p.url == "/files/" + newId.toUtf8());
    QCOMPARE(fileSha256(m_server->storedPath(newId)), fileSha256(src));
    QVERIFY(!QFileInfo::exists(m_server->storedPath(id)));
}

QTEST_GUILESS_MAIN(tst_TusIntegration)
#include "tst_tusintegration.moc"
