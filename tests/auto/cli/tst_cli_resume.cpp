// Runs the real bgtransfer binary against a FaultServer in this process, SIGKILLs it mid-transfer
// and continues: resume, the same download again, cancel. Children are awaited with QSignalSpy,
// never with waitForFinished(), which would starve the server on this thread's event loop.

#include "clitestutil.h"
#include "faultserver.h"

#include <QtCore/QFileInfo>
#include <QtCore/QRegularExpression>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace CliTest;
using namespace FaultTest;

class tst_CliResume : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void cancelAfterKill();
    void resumeAfterKill_data();
    void resumeAfterKill();
    void resumeLeavesSensitiveHeadersBehind();
    void resumeWorstStatusWins();
};

void tst_CliResume::cancelAfterKill()
{
    Route route = plainRoute(8 * MiB);
    route.then.throttle = 512 * 1024;
    m_server.setRoute("/cancel", route);
    const QString dest = path("c.bin");
    QVERIFY(startAndKill("/cancel", "c", dest));
    QCOMPARE(partialFiles(dest).size(), 1);

    QString error;
    QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().value("identifier").toString(), "c");
    // Its owner was killed, so it is not running: it waits to be resumed.
    QCOMPARE(all.first().value("state").toString(), "queued");

    const Run cancel = run(store() + args("cancel c"));
    QVERIFY2(cancel.exitCode == 0, qPrintable(describe(cancel)));
    QVERIFY2(stderrProblem(cancel).isEmpty(), qPrintable(describe(cancel)));
    QVERIFY2(partialFiles(dest).isEmpty(), qPrintable(partialFiles(dest).join(' ')));
    QVERIFY(!QFileInfo::exists(dest));
    all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(all.isEmpty());

    const Run again = run(store() + args("cancel c"));
    QVERIFY2(again.exitCode == 65, qPrintable(describe(again)));
}

void tst_CliResume::resumeAfterKill_data()
{
    QTest::addColumn<bool>("viaResume"); // false: the same download command again
    QTest::addColumn<bool>("json");
    QTest::newRow("resume json") << true << true;
    QTest::newRow("resume human") << true << false;
    QTest::newRow("download again") << false << false;
}

void tst_CliResume::resumeAfterKill()
{
    QFETCH(bool, viaResume);
    QFETCH(bool, json);
    const QByteArray rp = routePath();
    // Slow until the kill, then fast, so the resumed part does not cost test time.
    const Route route = slowFirstRoute(6 * MiB + 5, 23);
    m_server.setRoute(rp, route);
    const QString dest = path("r.bin");
    QVERIFY(startAndKill(rp, "r", dest));

    const Run run = this->run(store() + (json ? args("--json") : QStringList())
                              + (viaResume ? args("resume") : download(rp, dest, "r")));
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
    QVERIFY(partialFiles(dest).isEmpty());

    // The second request asked for the rest only.
    const QList<RequestRecord> requests = m_server.requests(rp);
    QCOMPARE(requests.size(), 2);
    const QByteArray range = requests.last().header("Range");
    QVERIFY2(range.startsWith("bytes=") && range.endsWith('-'), range.constData());
    const qint64 offset = range.mid(6, range.size() - 7).toLongLong();
    QVERIFY(offset > 0);

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    if (json) {
        QString error;
        const QJsonObject o = parseObject(lines.first(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(o.value("identifier").toString(), "r");
        QCOMPARE(o.value("outcome").toString(), "success");
        QCOMPARE(o.value("bytes").toInteger(), route.entity.size);
        QCOMPARE(o.value("resumedFrom").toInteger(), offset);
        QCOMPARE(o.value("httpStatus").toInt(), 206);
    } else {
        // scripts/demo.sh relies on this wording.
        const QRegularExpression re(
                QString("^r: success, 206, %1 bytes -> %2 \\(resumed at ([0-9]+\\.[0-9]) MiB\\)$")
                        .arg(route.entity.size)
                        .arg(QRegularExpression::escape(dest)));
        const QRegularExpressionMatch m = re.match(QString::fromLocal8Bit(lines.first()));
        QVERIFY2(m.hasMatch(), lines.first().constData());
        QCOMPARE(m.captured(1), QString::number(double(offset) / MiB, 'f', 1));
    }
}

// The store never holds credentials, so a resume from the store goes out without them.
void tst_CliResume::resumeLeavesSensitiveHeadersBehind()
{
    const QByteArray rp = routePath();
    const Route route = slowFirstRoute(6 * MiB + 5, 29);
    m_server.setRoute(rp, route);
    const QString dest = path("s.bin");
    QProcess *p = start(
            store() + download(rp, dest, "s")
            + QStringList{"-H", "Authorization: Bearer very-secret", "-H", "X-Trace: kept-123"});
    QSignalSpy done(p, &QProcess::finished);
    QTRY_VERIFY_WITH_TIMEOUT(partialBytes(dest) >= 256 * 1024, 20000);
    p->kill();
    QVERIFY(done.wait(10000) || !done.isEmpty());

    const Run run = this->run(store() + args("resume"));
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
    const QList<RequestRecord> requests = m_server.requests(rp);
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.first().header("Authorization"), QByteArray("Bearer very-secret"));
    QCOMPARE(requests.last().header("Authorization"), QByteArray());
    QCOMPARE(requests.last().header("X-Trace"), QByteArray("kept-123"));
}

void tst_CliResume::resumeWorstStatusWins()
{
    // Two interrupted transfers: on resume one completes, the server refuses the other.
    const Route fine = slowFirstRoute(2 * MiB, 31);
    m_server.setRoute("/worst/fine", fine);
    m_server.setRoute("/worst/refused", slowFirstRoute(2 * MiB, 32, statusFault(403)));
    const QString fineDest = path("fine.bin");
    const QString refusedDest = path("refused.bin");
    QVERIFY(startAndKill("/worst/fine", "fine", fineDest));
    QVERIFY(startAndKill("/worst/refused", "refused", refusedDest));

    const Run run = this->run(store() + args("--json resume"));
    QVERIFY2(run.exitCode == 2, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY2(run.err.contains("refused"), run.err.constData());
    QHash<QString, QString> outcomes;
    const QList<QByteArray> lines = nonEmptyLines(run.out);
    for (const QByteArray &line : lines) {
        QString error;
        const QJsonObject o = parseObject(line, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        outcomes.insert(o.value("identifier").toString(), o.value("outcome").toString());
    }
    QCOMPARE(outcomes.size(), 2);
    QCOMPARE(outcomes.value("fine"), "success");
    QCOMPARE(outcomes.value("refused"), "rejected");
    QCOMPARE(fileSha256(fineDest), FaultServer::contentSha256(fine.entity));
    QVERIFY(!QFileInfo::exists(refusedDest));
}

QTEST_GUILESS_MAIN(tst_CliResume)
#include "tst_cli_resume.moc"
