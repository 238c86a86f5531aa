// Runs `bgtransfer upload` for what a user cannot see in the result: the body streams from disk
// (peak RSS does not follow the file's size) and --limit-rate holds for every kind of upload.
// No upper bound on time is asserted, only the floor a rate limit sets.

#include "clitestutil.h"
#include "faultserver.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtTest/QTest>

using namespace CliTest;
using namespace FaultTest;

class tst_CliUploadLimits : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void memoryStaysBounded();
    void rateLimit_data();
    void rateLimit();

private:
    // The arguments after "upload FILE" for each kind, with its route set up on m_server.
    QStringList kindArguments(const QString &kind, const QByteArray &route);
};

QStringList tst_CliUploadLimits::kindArguments(const QString &kind, const QByteArray &route)
{
    if (kind == QLatin1String("tus")) {
        m_server.setTusRoute(route, TusRoute());
        return {m_server.url(route).toString(), "--tus"};
    }
    UploadRoute up;
    up.storeBody = false; // counted and hashed only
    m_server.setUploadRoute(route, up);
    if (kind == QLatin1String("multipart"))
        return {m_server.url(route).toString(), "--form", "file"};
    return {m_server.url(route).toString()};
}

void tst_CliUploadLimits::memoryStaysBounded()
{
#ifdef Q_OS_LINUX
    // 256 MiB through processes whose peak RSS stays far below it, for each body kind.
    const qint64 size = 256 * MiB;
    const QString src = writeSource("big.bin", size);
    QVERIFY(!src.isEmpty());
    const QByteArray sha = fileSha256(src);
    for (const QString kind :
         {QStringLiteral("put"), QStringLiteral("multipart"), QStringLiteral("tus")}) {
        const QByteArray route = routePath() + '/' + kind.toLatin1();
        const QStringList rest = kindArguments(kind, route);
        const Run run = this->run(
                store() + QStringList{"upload", src} + rest + QStringList{"--id", kind}, 50000);
        QVERIFY2(run.exitCode == 0, qPrintable(kind + QLatin1Char(' ') + describe(run)));
        if (kind == QLatin1String("tus")) {
            const QList<TusUpload> uploads = m_server.tusUploads(route);
            QCOMPARE(uploads.size(), 1);
            QCOMPARE(uploads.first().sha256, sha);
            QFile::remove(uploads.first().file);
        } else {
            const QList<ReceivedUpload> got = m_server.uploads(route);
            QCOMPARE(got.size(), 1);
            QVERIFY(got.first().complete);
            QVERIFY(got.first().bytesReceived >= size);
            if (kind == QLatin1String("put"))
                QCOMPARE(got.first().sha256, sha);
        }
    }
    const long peakKiB = BackgroundTest::peakChildRssKiB();
    qInfo("peak RSS of the largest bgtransfer upload: %ld KiB", peakKiB);
    QVERIFY(peakKiB > 0);
    QVERIFY2(peakKiB < 100 * 1024, qPrintable(QString::number(peakKiB)));
#else
    QSKIP("ru_maxrss of children is only checked on Linux");
#endif
}

void tst_CliUploadLimits::rateLimit_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("put") << QStringLiteral("put");
    QTest::newRow("multipart") << QStringLiteral("multipart");
    QTest::newRow("tus") << QStringLiteral("tus");
}

void tst_CliUploadLimits::rateLimit()
{
    QFETCH(QString, kind);
    const qint64 size = MiB;
    const qint64 rate = 512 * 1024;
    const QString src = writeSource("src.bin", size);
    QVERIFY(!src.isEmpty());
    const QByteArray route = routePath();
    const QStringList rest = kindArguments(kind, route);

    QElapsedTimer clock;
    clock.start();
    const Run run = this->run(store() + QStringList{"--limit-rate", "512K", "upload", src} + rest
                              + QStringList{"--id", "slow"});
    const qint64 elapsedMs = clock.elapsed();
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    // The body may start with a burst of a tenth of a second's worth; the rest is paced.
    const qint64 floorMs = (size - rate / 10) * 1000 / rate;
    qInfo("%lld bytes at %lld B/s took %lld ms (floor %lld ms)", size, rate, elapsedMs, floorMs);
    QVERIFY2(elapsedMs >= floorMs, qPrintable(QString::number(elapsedMs)));
}

QTEST_GUILESS_MAIN(tst_CliUploadLimits)
#include "tst_cli_upload_limits.moc"
