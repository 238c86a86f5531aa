// Restart safety of tus uploads with real processes: the real bgtransfer uploads to a FaultServer
// tus route in this process, the test SIGKILLs it when the server has stored given amounts and
// runs the same command again.
//
// The FaultServer keeps every PATCH byte it reads for an upload at the right offset, and reads a
// PATCH at a wrong offset only to throw it away; so what it read beyond the file's size is what
// the client sent twice: a restart that did not start at the server's offset, or a request that
// Qt sent again on its own. TST_CRASH_TUS_CHILD_LOGGING=1 shows the children's log.

#include "faultserver.h"
#include "testsupport.h"

#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>
#include <vector>

using BackgroundTest::fileSha256;
using FaultTest::FaultServer;
using namespace std::chrono_literals;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 kSize = 24 * MiB;
constexpr qint64 kRate = 4 * MiB;     // the client's --limit-rate
constexpr qint64 kSlowRead = 3 * MiB; // "throttled" rows: the server reads slower than that
// "slows at kills": the pace of the PATCH that is killed, and how much of it the server has read
// then; the client has sent the rest of its chunk by then, which keeps arriving for a while.
constexpr qint64 kCrawl = 64 * 1024;
constexpr qint64 kCrawled = 64 * 1024;
constexpr int kStepTimeoutMs = 30000;
const QByteArray kRoute = "/files";

// What the server does to the PATCHes of the runs that get killed.
enum class Server {
    Normal,    // reads as fast as it can: the client's rate decides
    Stalls,    // stops reading at each kill point: the kill lands with bytes in flight
    Throttles, // reads every PATCH at kSlowRead: bytes pile up in flight, arrive after the kill
    // Reads at kCrawl from each kill point on and the child is killed inside the first PATCH
    // that starts there; the next run starts at once, while that PATCH's bytes still arrive, so
    // the offset it asks for is stale by the time its PATCH comes (409).
    SlowsAtKills
};

} // namespace

Q_DECLARE_METATYPE(Server)

class tst_CrashTus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void killAndRestart_data();
    void killAndRestart();

private:
    QProcess *spawn(const QStringList &arguments);
    qint64 serverOffset() const;
    int patchesOver() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FaultServer> m_server;
    std::unique_ptr<QSignalSpy> m_finished; // tusRequestFinished
    std::unique_ptr<BackgroundTest::ChildProcesses> m_children;
    BackgroundTest::Watchdog m_watchdog{60s};
};

void tst_CrashTus::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(BGTRANSFER_PATH)), BGTRANSFER_PATH);
}

void tst_CrashTus::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_children = std::make_unique<BackgroundTest::ChildProcesses>(m_dir->path());
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<FaultServer>();
    QVERIFY(m_server->listen());
    m_finished = std::make_unique<QSignalSpy>(m_server.get(), &FaultServer::tusRequestFinished);
    m_watchdog.start();
}

void tst_CrashTus::cleanup()
{
    m_watchdog.stop();
    m_children.reset(); // kills what is left
    m_finished.reset();
    m_server.reset();
    m_dir.reset();
}

QProcess *tst_CrashTus::spawn(const QStringList &arguments)
{
    return m_children->start(
            QStringLiteral(BGTRANSFER_PATH), arguments, "TST_CRASH_TUS_CHILD_LOGGING");
}

// What the server has stored of the one upload; -1 before it was created.
qint64 tst_CrashTus::serverOffset() const
{
    const QList<FaultTest::TusUpload> uploads = m_server->tusUploads(kRoute);
    return uploads.isEmpty() ? -1 : uploads.first().offset;
}

int tst_CrashTus::patchesOver() const
{
    return int(
            std::count_if(m_finished->cbegin(), m_finished->cend(), [](const QList<QVariant> &a) {
                return a.at(1).toByteArray() == "PATCH";
            }));
}

void tst_CrashTus::killAndRestart_data()
{
    QTest::addColumn<qint64>("chunkSize");     // 0: one PATCH with the whole remainder
    QTest::addColumn<QList<qint64>>("killAt"); // the server's offset when the child is killed
    QTest::addColumn<Server>("server");
    // The server resets this PATCH after storing cutAfter bytes of it (-1: none), so the live
    // client sees a broken request: Qt must not send it again by itself.
    QTest::addColumn<int>("cutPatch");
    QTest::addColumn<qint64>("cutAfter");

    const QList<qint64> percents = {kSize * 20 / 100, kSize * 45 / 100, kSize * 70 / 100};
    // The first PATCH is reset by the server after 10% (before the first kill).
    QTest::newRow("whole remainder") << qint64(0) << percents << Server::Normal << 0 << kSize / 10;
    // The first kill comes as the server has read a whole chunk and not answered yet (the answer
    // is lost); the later ones inside a chunk. The second chunk's answer is lost to a reset.
    QTest::newRow("1 MiB chunks") << MiB
                                  << QList<qint64>{5 * MiB, kSize * 45 / 100, kSize * 70 / 100}
                                  << Server::Normal << 1 << MiB;
    QTest::newRow("killed while the server stalls")
            << qint64(0) << percents << Server::Stalls << -1 << qint64(-1);
    QTest::newRow("killed while the server reads slowly")
            << qint64(0) << percents << Server::Throttles << -1 << qint64(-1);
    QTest::newRow("1 MiB chunks, restarted at once")
            << MiB << percents << Server::SlowsAtKills << -1 << qint64(-1);
}

void tst_CrashTus::killAndRestart()
{
    QFETCH(qint64, chunkSize);
    QFETCH(QList<qint64>, killAt);
    QFETCH(Server, server);
    QFETCH(int, cutPatch);
    QFETCH(qint64, cutAfter);
    const bool restartAtOnce = server == Server::SlowsAtKills;

    const QString src = m_dir->filePath(QStringLiteral("source.bin"));
    {
        QFile f(src);
        QVERIFY(f.open(QIODevice::WriteOnly));
        FaultTest::Entity e;
        e.size = kSize;
        e.seed = 20261101;
        QVERIFY(FaultServer::writeContent(&f, e));
    }
    const QByteArray srcSha = fileSha256(src);

    FaultTest::TusRoute route;
    if (server == Server::Throttles)
        route.throttle = kSlowRead;
    // One PATCH per killed run (no chunks in this row), so PATCH k is run k's.
    QList<FaultTest::Fault> patches;
    for (qsizetype k = 0; k < killAt.size() && server == Server::Stalls; ++k) {
        patches.append(FaultTest::Fault());
        patches.last().stallAfterBytes = killAt.at(k) - (k == 0 ? 0 : killAt.at(k - 1));
    }
    if (cutPatch >= 0) {
        patches.resize(cutPatch + 1);
        patches[cutPatch].dropAfterBytes = cutAfter;
    }
    route.script.insert("PATCH", patches);
    m_server->setTusRoute(kRoute, route);
    // For requests to come: the one being read keeps its pace.
    const auto setReadRate = [&](qint64 rate) {
        route.throttle = rate;
        m_server->setTusRoute(kRoute, route);
    };

    QStringList command = {QStringLiteral("--store"),
                           m_dir->filePath(QStringLiteral("store.sqlite")),
                           QStringLiteral("--json"),
                           QStringLiteral("--limit-rate"),
                           QString::number(kRate),
                           QStringLiteral("upload"),
                           src,
                           m_server->url(kRoute).toString(),
                           QStringLiteral("--id"),
                           QStringLiteral("tus-crash"),
                           QStringLiteral("--tus")};
    if (chunkSize > 0)
        command << QStringLiteral("--chunk-size") << QString::number(chunkSize);

    // Taken when the server is done with a run: what it read so far and what it kept.
    struct Settled
    {
        qint64 received = 0;
        qint64 offset = 0;
    };
    QList<Settled> settled = {Settled{}};
    QList<qint64> atKill;
    QList<qsizetype> firstPatch; // of each run, in uploads(kRoute)
    // A stalled PATCH reads nothing more, but may stay open until the next run's PATCH takes the
    // upload over (the dead client's leaving is not always seen behind the unread bytes).
    const int leftOpen = server == Server::Stalls ? 1 : 0;

    for (const qint64 target : std::as_const(killAt)) {
        firstPatch.append(m_server->uploads(kRoute).size());
        QProcess *p = spawn(command);
        QSignalSpy finished(p, &QProcess::finished);
        qint64 killedAt = -1;
        bool crawling = false;
        // Killed from the server's own progress report: the server's offset, not a timer.
        const QMetaObject::Connection trigger = connect(
                m_server.get(), &FaultServer::uploadProgress, p, [&](const QByteArray &path) {
                    const qint64 offset = serverOffset();
                    if (killedAt >= 0 || path != kRoute || offset < target)
                        return;
                    if (server == Server::SlowsAtKills) {
                        if (!crawling)
                            setReadRate(kCrawl);
                        crawling = true;
                        const FaultTest::ReceivedUpload patch = m_server->uploads(kRoute).last();
                        if (patch.header("Upload-Offset").toLongLong() < target
                            || patch.bytesReceived < kCrawled)
                            return;
                    }
                    killedAt = offset;
                    p->kill(); // SIGKILL: no destructor, no last word to the store
                });
        QTRY_VERIFY_WITH_TIMEOUT(killedAt >= 0 || !finished.isEmpty(), kStepTimeoutMs);
        disconnect(trigger);
        QVERIFY2(killedAt >= 0,
                 qPrintable(QStringLiteral("the child ended before the kill: exit %1, %2")
                                    .arg(p->exitCode())
                                    .arg(QString::fromLocal8Bit(p->readAllStandardError()))));
        QVERIFY(!finished.isEmpty() || finished.wait(10000)); // it may have come already
        QCOMPARE(p->exitStatus(), QProcess::CrashExit);
        atKill.append(killedAt);
        if (crawling)
            setReadRate(0); // the dead client's PATCH keeps crawling

        // What the dead client had in flight arrives (or, stalled, never will); the next run
        // starts once the server's offset is final.
        if (!restartAtOnce) {
            QTRY_VERIFY_WITH_TIMEOUT(patchesOver() >= m_server->tusRequestCount(kRoute, "PATCH")
                                                              - leftOpen,
                                     kStepTimeoutMs);
        }
        settled.append({m_server->tusBytesReceived(kRoute), serverOffset()});
        QVERIFY2(settled.last().offset < kSize, "the upload ended before the last kill");
    }

    firstPatch.append(m_server->uploads(kRoute).size());
    QProcess *last = spawn(command);
    QSignalSpy lastDone(last, &QProcess::finished);
    QVERIFY(!lastDone.isEmpty() || lastDone.wait(kStepTimeoutMs));
    const QByteArray out = last->readAllStandardOutput();
    const QByteArray err = last->readAllStandardError();
    QVERIFY2(last->exitStatus() == QProcess::NormalExit && last->exitCode() == 0,
             qPrintable(QStringLiteral("exit %1: %2%3")
                                .arg(last->exitCode())
                                .arg(QString::fromLocal8Bit(out), QString::fromLocal8Bit(err))));
    QVERIFY2(err.isEmpty(), err.constData());
    QTRY_COMPARE_WITH_TIMEOUT(
            patchesOver(), m_server->tusRequestCount(kRoute, "PATCH"), kStepTimeoutMs);
    settled.append({m_server->tusBytesReceived(kRoute), serverOffset()});

    // One upload, created once, holding the source.
    const QList<FaultTest::TusUpload> uploads = m_server->tusUploads(kRoute);
    QCOMPARE(uploads.size(), 1);
    QCOMPARE(m_server->tusRequestCount(kRoute, "POST"), 1);
    QCOMPARE(uploads.first().offset, kSize);
    QCOMPARE(uploads.first().sha256, srcSha);
    QCOMPARE(fileSha256(uploads.first().file), srcSha);
    const int kills = int(killAt.size());

    QJsonParseError jsonError;
    const QJsonObject o = QJsonDocument::fromJson(out.trimmed(), &jsonError).object();
    QVERIFY2(jsonError.error == QJsonParseError::NoError, out.constData());
    QCOMPARE(o.value(QStringLiteral("outcome")).toString(), QStringLiteral("success"));
    QCOMPARE(o.value(QStringLiteral("httpStatus")).toInt(), 204);
    QCOMPARE(o.value(QStringLiteral("bytes")).toInteger(), kSize);
    QCOMPARE(o.value(QStringLiteral("uploadUrl")).toString(),
             m_server->url(uploads.first().path).toString(QUrl::FullyEncoded));

    // Every PATCH started where the server stood when it came: right after what the ones before
    // it stored. Only a restart at once may find the offset moved on (409) once per kill: that
    // PATCH cut the dead client's connection, so the HEAD after it is final. Checked after the
    // figures below are out, which tell what went wrong.
    const QList<FaultTest::ReceivedUpload> sent = m_server->uploads(kRoute);
    qint64 expected = 0;
    int conflicts = 0;
    QString chainProblem;
    QList<qint64> resumedAt; // per restart: where its first PATCH the server took started
    for (qsizetype i = 0; i < sent.size(); ++i) {
        const FaultTest::ReceivedUpload &patch = sent.at(i);
        const qint64 offset = patch.header("Upload-Offset").toLongLong();
        if (patch.status == 409 && restartAtOnce && offset < expected) {
            ++conflicts;
            continue;
        }
        if (chainProblem.isEmpty()
            && (patch.method != "PATCH" || offset != expected
                || (patch.status != 204 && patch.status != 0)
                || (chunkSize > 0 && patch.declaredLength > chunkSize))) {
            chainProblem = QStringLiteral("%1 %2 from %3 (%4 bytes) was answered %5; the server "
                                          "stood at %6")
                                   .arg(QString::fromLatin1(patch.method))
                                   .arg(i)
                                   .arg(offset)
                                   .arg(patch.declaredLength)
                                   .arg(patch.status)
                                   .arg(expected);
        }
        if (resumedAt.size() < kills && i >= firstPatch.at(resumedAt.size() + 1))
            resumedAt.append(offset);
        expected += patch.bytesReceived;
    }

    // Bytes read twice, per run; run k + 1's are the price of kill k.
    QList<qint64> resent;
    for (qsizetype k = 1; k < settled.size(); ++k) {
        const qint64 read = settled.at(k).received - settled.at(k - 1).received;
        const qint64 kept = settled.at(k).offset - settled.at(k - 1).offset;
        resent.append(read - kept);
    }
    QList<qint64> perKill = resent.mid(1);
    for (int k = 0; k < kills; ++k) {
        qInfo("kill %d at %lld of %lld bytes; %lld more arrived after it; the restart resumed at "
              "%lld and sent %lld bytes twice",
              k + 1,
              atKill.at(k),
              kSize,
              resumedAt.value(k, -1) - atKill.at(k),
              resumedAt.value(k, -1),
              perKill.at(k));
    }
    std::sort(perKill.begin(), perKill.end());
    const qint64 total = m_server->tusBytesReceived(kRoute) - kSize;
    qInfo("sent twice per kill: median %lld, worst %lld; in all %lld (received %lld, size %lld; "
          "before the first kill %lld)",
          perKill.at(perKill.size() / 2),
          perKill.last(),
          total,
          m_server->tusBytesReceived(kRoute),
          kSize,
          resent.first());

    QVERIFY2(chainProblem.isEmpty(), qPrintable(chainProblem));
    QCOMPARE(expected, kSize);
    QCOMPARE(resumedAt.size(), kills);
    QVERIFY(conflicts <= kills);
    // Each restart, each 409 and the retry after the reset asked for the offset once.
    QCOMPARE(m_server->tusRequestCount(kRoute, "HEAD"),
             kills + conflicts + (cutPatch >= 0 ? 1 : 0));
    // The first run was never restarted, but it may have had a PATCH cut by the server: Qt must
    // not have sent that again by itself.
    QCOMPARE(resent.first(), qint64(0));
    // Once the server is done with a killed PATCH its offset is final, so a restart that asks for
    // it sends nothing twice (the stalled row's unread bytes are never read at all). A restart at
    // once may send one PATCH from a stale offset, thrown away: at most one chunk.
    const qint64 bound = restartAtOnce ? chunkSize : 0;
    QVERIFY2(perKill.last() <= bound,
             qPrintable(QStringLiteral("a restart sent %1 bytes twice, more than %2")
                                .arg(perKill.last())
                                .arg(bound)));
}

QTEST_GUILESS_MAIN(tst_CrashTus)

#include "tst_crash_tus.moc"
