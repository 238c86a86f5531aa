// A bearer token and an app-named sensitive header, sent with a download that retries and
// checkpoints, a plain upload that retries and a tus upload, are found nowhere at rest: not in
// the store, its WAL or shared memory file, the partial and response body files, nor in the
// library's log with every category on. The server did receive them, so the test is not
// vacuous.

#include "downloadertest.h"

#include "uploader.h"

#include <QtCore/QDirIterator>
#include <QtCore/QMutex>
#include <QtCore/QRandomGenerator>

using namespace DownloaderTest;
using Background::Downloader;
using Background::SessionConfiguration;
using Background::Uploader;
using Background::UploadOptions;

namespace {

QMutex g_logMutex;
QByteArray g_log;
QtMessageHandler g_previous = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log += QByteArray(context.category ? context.category : "") + ": " + message.toUtf8()
                 + '\n';
    }
    if (g_previous && type >= QtWarningMsg)
        g_previous(type, context, message);
}

QByteArray randomHex(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(raw.data()), bytes / 4);
    return raw.toHex();
}

} // namespace

class tst_Secrets : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init() { m_watchdog.start(); }
    void cleanup() { m_watchdog.stop(); }
    void noSecretAtRest();

private:
    // Files under `dir` that contain any of `secrets`, with the secret found.
    static QStringList filesContaining(const QString &dir, const QByteArrayList &secrets);
    Watchdog m_watchdog{std::chrono::milliseconds(90000)};
};

void tst_Secrets::initTestCase()
{
    g_previous = qInstallMessageHandler(captureLog);
    QLoggingCategory::setFilterRules(QStringLiteral("background.*=true"));
}

void tst_Secrets::cleanupTestCase()
{
    qInstallMessageHandler(g_previous);
    QLoggingCategory::setFilterRules(QString());
}

QStringList tst_Secrets::filesContaining(const QString &dir, const QByteArrayList &secrets)
{
    QStringList found;
    QDirIterator it(dir,
                    QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QByteArray data = readFile(path);
        for (const QByteArray &secret : secrets) {
            if (data.contains(secret))
                found.append(path + QStringLiteral(": ") + QString::fromLatin1(secret));
        }
    }
    return found;
}

void tst_Secrets::noSecretAtRest()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray token = "tok-" + randomHex(16);
    const QByteArray apiKey = "key-" + randomHex(16);
    const QByteArrayList secrets{token, apiKey};

    FaultTest::FaultServer server;
    QVERIFY(server.listen());
    const auto e = entity(1024 * 1024);
    // A 503 first: the row is written again for the retry; then slow enough to checkpoint.
    server.setRoute("/f", route(e, {statusFault(503, "0")}, throttled(1024 * 1024)));
    FaultTest::UploadRoute up;
    up.script = {statusFault(503, "0")};
    server.setUploadRoute("/up", up);
    server.setTusRoute("/files", FaultTest::TusRoute());

    SessionConfiguration config;
    config.setStorePath(dir.filePath(QStringLiteral("state/store.sqlite")));
    config.setCheckpointInterval(std::chrono::milliseconds(50));
    config.addSensitiveHeader("X-Api-Key");
    Background::RetryPolicy retry;
    retry.maxRetries = 3;
    retry.baseDelay = std::chrono::milliseconds(10);
    retry.maxDelay = std::chrono::milliseconds(10);
    config.setRetryPolicy(retry);

    const auto request = [&](const QByteArray &path) {
        QNetworkRequest r(server.url(path));
        r.setRawHeader("Authorization", "Bearer " + token);
        r.setRawHeader("X-Api-Key", apiKey);
        r.setRawHeader("X-Harmless", "kept");
        return r;
    };
    const QString source = dir.filePath(QStringLiteral("report.bin"));
    QVERIFY(writeFile(source, content(entity(256 * 1024, 3), 0, 256 * 1024)));

    Downloader downloader(config);
    Uploader uploader(config);
    const QString dest = dir.filePath(QStringLiteral("out/file.bin"));
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("out"))));
    auto download = downloader.networkResponse(request("/f"), QStringLiteral("d"), dest);
    auto put = uploader.networkResponse(request("/up"), source, QStringLiteral("u"));
    UploadOptions tus;
    tus.protocol = UploadOptions::Protocol::Tus;
    auto tusUpload = uploader.networkResponse(request("/files"), source, QStringLiteral("t"), tus);

    // Mid-transfer: a checkpointed partial file and a busy store (WAL) hold no secret.
    QTRY_VERIFY_WITH_TIMEOUT(downloader.transfer(QStringLiteral("d"))->bytesReceived > 0, kWaitMs);
    QVERIFY(!partialFiles(dest).isEmpty());
    QStringList found = filesContaining(dir.path(), secrets);
    QVERIFY2(found.isEmpty(), qPrintable(found.join(QLatin1Char('\n'))));

    BG_AWAIT(download);
    BG_AWAIT(put);
    BG_AWAIT(tusUpload);
    QVERIFY2(download.result().isSuccess(), describe(download.result()));
    QVERIFY2(put.result().isSuccess(), describe(put.result()));
    QVERIFY2(tusUpload.result().isSuccess(), describe(tusUpload.result()));
    QVERIFY(download.result().attempts() >= 2); // the retry really rewrote the row

    // The server got the credentials on every kind of request.
    for (const QByteArray &path : {QByteArray("/f"), QByteArray("/up"), QByteArray("/files")}) {
        const QList<FaultTest::RequestRecord> records = server.requests(path);
        QVERIFY(!records.isEmpty());
        QCOMPARE(records.constFirst().header("Authorization"), "Bearer " + token);
        QCOMPARE(records.constFirst().header("X-Api-Key"), apiKey);
    }
    // What the store may keep, it keeps: the test would see a header that was stored.
    QVERIFY(!filesContaining(dir.path(), {QByteArrayLiteral("X-Harmless")}).isEmpty());

    found = filesContaining(dir.path(), secrets);
    QVERIFY2(found.isEmpty(), qPrintable(found.join(QLatin1Char('\n'))));
    QMutexLocker lock(&g_logMutex);
    QVERIFY(g_log.contains("background.")); // the log was on
    for (const QByteArray &secret : secrets)
        QVERIFY2(!g_log.contains(secret), secret.constData());
}

QTEST_GUILESS_MAIN(tst_Secrets)
#include "tst_secrets.moc"
