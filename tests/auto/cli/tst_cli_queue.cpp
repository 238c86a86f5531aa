// The queue seen from bgtransfer: `download --input LIST` with --concurrency, `pause` from another
// process (a live owner lets go and exits 5; a dead one is only marked), `resume` with and
// without an identifier, `cancel` of a paused transfer, and what `list` shows. Real processes
// against a FaultServer in this process, awaited with QSignalSpy so the server keeps running.

#include "clitestutil.h"
#include "faultserver.h"

#include <QtCore/QDateTime>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QRegularExpression>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>

using namespace CliTest;
using namespace FaultTest;

class tst_CliQueue : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void inputList();
    void inputListRefused_data();
    void inputListRefused();
    void refused_data();
    void refused();
    void pauseRunningElsewhere();
    void pauseAfterKill();
    void cancelPaused();
    void worstStatusWithPaused_data();
    void worstStatusWithPaused();
    void listShowsQueue();
    void diskReserve();

private:
    // `text` with @URL<n> replaced by the URL of route <routePath()>/<n>.
    QString writeList(const QString &name, QString text) const;
    // The Range start of the last request to `route`; -1 without a "bytes=N-" Range.
    qint64 lastRangeStart(const QByteArray &route) const;
    QJsonObject listEntry(const QString &identifier, QString *error);
    // Requests to the routes of this test row (the server lives as long as the binary).
    qsizetype requestsHere() const;
};

qsizetype tst_CliQueue::requestsHere() const
{
    const QList<RequestRecord> all = m_server.requests();
    return std::count_if(all.begin(), all.end(), [rp = routePath()](const RequestRecord &r) {
        return r.path.startsWith(rp);
    });
}

QString tst_CliQueue::writeList(const QString &name, QString text) const
{
    static const QRegularExpression re(QStringLiteral("@URL([0-9]+)"));
    QRegularExpressionMatch m;
    while ((m = re.match(text)).hasMatch()) {
        const QByteArray route = routePath() + '/' + m.captured(1).toLatin1();
        text.replace(m.capturedStart(), m.capturedLength(), m_server.url(route).toString());
    }
    const QString file = path(name);
    return BackgroundTest::writeFile(file, text.toUtf8()) ? file : QString();
}

qint64 tst_CliQueue::lastRangeStart(const QByteArray &route) const
{
    const QList<RequestRecord> requests = m_server.requests(route);
    if (requests.isEmpty())
        return -1;
    const QByteArray range = requests.last().header("Range");
    if (!range.startsWith("bytes=") || !range.endsWith('-'))
        return -1;
    bool ok = false;
    const qint64 start = range.mid(6, range.size() - 7).toLongLong(&ok);
    return ok ? start : -1;
}

QJsonObject tst_CliQueue::listEntry(const QString &identifier, QString *error)
{
    error->clear();
    const QList<QJsonObject> all = listJson(error);
    for (const QJsonObject &o : all) {
        if (o.value("identifier").toString() == identifier)
            return o;
    }
    if (error->isEmpty())
        *error = QStringLiteral("'%1' is not in the list").arg(identifier);
    return {};
}

void tst_CliQueue::inputList()
{
    constexpr int count = 20;
    const QByteArray rp = routePath();
    QList<Route> routes;
    QString text = QStringLiteral("# bgtransfer input: ID URL FILE\n\n");
    for (int i = 0; i < count; ++i) {
        Route route = plainRoute(8 * 1024 + i * 23 * 1024 + i * 7, 100 + i);
        route.then.throttle = 2 * MiB; // long enough for transfers to overlap
        m_server.setRoute(rp + '/' + QByteArray::number(i), route);
        routes.append(route);
        // Blanks and tabs between fields, a quoted name with spaces, a relative name.
        const QString file = i == 7   ? QStringLiteral("\"%1\"").arg(path("file with spaces.bin"))
                             : i == 3 ? QStringLiteral("relative.bin")
                                      : path(QStringLiteral("f%1.bin").arg(i));
        text += QStringLiteral("id-%1 \t @URL%1   %2\n").arg(i).arg(file);
        if (i % 5 == 4)
            text += QStringLiteral("\n   \n  # a comment after blanks\n");
    }
    const QString list = writeList("list.txt", text);
    QVERIFY(!list.isEmpty());

    // Requests in flight as the server sees them: from its answer's start to its end.
    int inFlight = 0;
    int maxInFlight = 0;
    QObject guard;
    connect(&m_server, &FaultServer::requestReceived, &guard, [&](const QByteArray &p, int) {
        if (p.startsWith(rp))
            maxInFlight = qMax(maxInFlight, ++inFlight);
    });
    connect(&m_server, &FaultServer::responseFinished, &guard, [&](const QByteArray &p, int) {
        if (p.startsWith(rp))
            --inFlight;
    });

    const Run run = this->run(store() + args("--concurrency 2 --json download --input") << list);
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));

    QHash<QString, QJsonObject> byId;
    const QList<QByteArray> lines = nonEmptyLines(run.out);
    for (const QByteArray &line : lines) {
        QString error;
        const QJsonObject o = parseObject(line, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        byId.insert(o.value("identifier").toString(), o);
    }
    QCOMPARE(lines.size(), count);
    QCOMPARE(byId.size(), count);
    for (int i = 0; i < count; ++i) {
        const QJsonObject o = byId.value(QStringLiteral("id-%1").arg(i));
        QCOMPARE(o.value("outcome").toString(), "success");
        const QString file = o.value("file").toString();
        QCOMPARE(fileSha256(file), FaultServer::contentSha256(routes.at(i).entity));
        QCOMPARE(m_server.requestCount(rp + '/' + QByteArray::number(i)), 1);
    }
    QCOMPARE(byId.value("id-7").value("file").toString(), path("file with spaces.bin"));
    QCOMPARE(byId.value("id-3").value("file").toString(), path("relative.bin"));
    QCOMPARE(inFlight, 0);
    QVERIFY2(maxInFlight <= 2, qPrintable(QString::number(maxInFlight)));
    QCOMPARE(maxInFlight, 2); // they did run side by side
}

void tst_CliQueue::inputListRefused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("why");

    QTest::newRow("two fields") << "a @URL1 a.bin\n# note\n\nb @URL2\nc @URL3 c.bin\n"
                                << 4 << "found 2 fields";
    QTest::newRow("four fields") << "a @URL1 a.bin extra\n" << 1 << "found 4 fields";
    QTest::newRow("bad url") << "a @URL1 a.bin\nb ftp://127.0.0.1/b b.bin\n"
                             << 2 << "unsupported URL scheme";
    QTest::newRow("duplicate id") << "a @URL1 a.bin\n\na @URL2 b.bin\n"
                                  << 3 << "already used on line 1";
    QTest::newRow("same file") << "a @URL1 x.bin\nb @URL2 x.bin\n"
                               << 2 << "already the file of line 1";
    QTest::newRow("open quote") << "a @URL1 \"a b.bin\n" << 1 << "quote is not closed";
}

// A malformed line refuses the whole list: nothing is asked for, nothing is stored.
void tst_CliQueue::inputListRefused()
{
    QFETCH(QString, text);
    QFETCH(int, line);
    QFETCH(QString, why);
    for (const char *n : {"1", "2", "3"})
        m_server.setRoute(routePath() + '/' + n, plainRoute(1024));
    const QString list = writeList("bad list.txt", text);
    QVERIFY(!list.isEmpty());

    const Run run = this->run(store() + args("download --input") << list);
    QVERIFY2(run.exitCode == 65, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    const QString err = QString::fromLocal8Bit(run.err);
    QVERIFY2(err.contains(list + QStringLiteral(", line %1:").arg(line)), qPrintable(err));
    QVERIFY2(err.contains(why), qPrintable(err));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(requestsHere(), 0);
    QString error;
    QVERIFY(listJson(&error).isEmpty());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(!QFileInfo::exists(path("a.bin")) && !QFileInfo::exists(path("c.bin")));
}

void tst_CliQueue::refused_data()
{
    QTest::addColumn<QStringList>("arguments"); // after --store; @URL, @OUT, @LIST are filled in
    QTest::addColumn<int>("exitCode");

    QTest::newRow("concurrency 0") << args("--concurrency 0 list") << 64;
    QTest::newRow("concurrency word") << args("--concurrency many list") << 64;
    QTest::newRow("disk-reserve unit") << args("--disk-reserve 5T list") << 64;
    QTest::newRow("no-metered value") << args("--no-metered=yes list") << 64;
    QTest::newRow("bad priority") << args("download @URL -o @OUT --id q --priority urgent") << 64;
    QTest::newRow("input and url") << args("download --input @LIST @URL") << 64;
    QTest::newRow("input and id") << args("download --input @LIST --id q") << 64;
    QTest::newRow("input and output") << args("download --input @LIST -o @OUT") << 64;
    QTest::newRow("pause without id") << args("pause") << 64;
    QTest::newRow("resume two ids") << args("resume a b") << 64;
    QTest::newRow("input missing") << args("download --input does-not-exist.txt") << 65;
    QTest::newRow("pause unknown") << args("pause nosuch") << 65;
    QTest::newRow("resume unknown") << args("resume nosuch") << 65;
}

void tst_CliQueue::refused()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    const QByteArray rp = routePath();
    m_server.setRoute(rp + "/1", plainRoute(1024));
    const QString list = writeList("list.txt", "q @URL1 q.bin\n");
    arguments.replaceInStrings("@URL", m_server.url(rp + "/1").toString());
    arguments.replaceInStrings("@OUT", path("q.bin"));
    arguments.replaceInStrings("@LIST", list);

    const Run run = this->run(store() + arguments);
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(requestsHere(), 0);
}

// A download running in one process, paused from another: the runner lets go and exits 5, the
// pausing process waits for that and says so, the partial data stays, and `resume` in a third
// process continues from it.
void tst_CliQueue::pauseRunningElsewhere()
{
    const QByteArray rp = routePath();
    const Route route = slowFirstRoute(6 * MiB + 5, 41);
    m_server.setRoute(rp, route);
    const QString dest = path("p.bin");
    QProcess *runner = start(store() + download(rp, dest, "p"));
    QSignalSpy runnerDone(runner, &QProcess::finished);
    QTRY_VERIFY_WITH_TIMEOUT(partialBytes(dest) >= 256 * 1024, 20000);
    QVERIFY(runnerDone.isEmpty());

    const Run pause = run(store() + args("--json pause p"));
    QVERIFY2(pause.exitCode == 0, qPrintable(describe(pause)));
    QVERIFY2(stderrProblem(pause).isEmpty(), qPrintable(describe(pause)));
    QString error;
    const QJsonObject paused = parseObject(pause.out.trimmed(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(paused.value("state").toString(), "paused");
    QCOMPARE(paused.value("stoppedElsewhere").toBool(), true);

    QVERIFY(runnerDone.wait(10000) || !runnerDone.isEmpty());
    QCOMPARE(runner->exitStatus(), QProcess::NormalExit);
    const QByteArray runnerErr = runner->readAllStandardError();
    QVERIFY2(runner->exitCode() == 5, runnerErr.constData());
    QVERIFY2(runnerErr.startsWith("bgtransfer: ") && runnerErr.count('\n') == 1
                     && runnerErr.contains("paused"),
             runnerErr.constData());
    QVERIFY2(runner->readAllStandardOutput().startsWith("p: paused at "), "one stdout line");

    QVERIFY(!QFileInfo::exists(dest));
    const qint64 kept = partialBytes(dest);
    QVERIFY(kept >= 256 * 1024);
    const QJsonObject listed = listEntry("p", &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(listed.value("state").toString(), "paused");
    QCOMPARE(listed.value("bytesReceived").toInteger(), kept);

    const Run resume = run(store() + args("resume"));
    QVERIFY2(resume.exitCode == 0, qPrintable(describe(resume)));
    QVERIFY2(stderrProblem(resume).isEmpty(), qPrintable(describe(resume)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
    QCOMPARE(m_server.requestCount(rp), 2);
    QCOMPARE(lastRangeStart(rp), kept);
}

// The owner was killed: pause only marks the transfer; asking for it again while paused does
// not hang; `resume ID` continues it from the partial data.
void tst_CliQueue::pauseAfterKill()
{
    const QByteArray rp = routePath();
    const Route route = slowFirstRoute(6 * MiB + 5, 43);
    m_server.setRoute(rp, route);
    const QString dest = path("k.bin");
    QVERIFY(startAndKill(rp, "k", dest));
    const qint64 kept = partialBytes(dest);

    const Run pause = run(store() + args("--json pause k"));
    QVERIFY2(pause.exitCode == 0, qPrintable(describe(pause)));
    QString error;
    const QJsonObject paused = parseObject(pause.out.trimmed(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(paused.value("state").toString(), "paused");
    QCOMPARE(paused.value("stoppedElsewhere").toBool(), false);

    const Run human = run(store() + args("list"));
    QVERIFY2(human.exitCode == 0, qPrintable(describe(human)));
    QVERIFY2(human.out.startsWith("k  download  paused  normal  "), human.out.constData());

    // The same download again waits for a resume nobody will send: it says so instead.
    const Run again = run(store() + download(rp, dest, "k"));
    QVERIFY2(again.exitCode == 5, qPrintable(describe(again)));
    QVERIFY2(stderrProblem(again).isEmpty(), qPrintable(describe(again)));
    QCOMPARE(m_server.requestCount(rp), 1);

    const Run resume = run(store() + args("--json resume k"));
    QVERIFY2(resume.exitCode == 0, qPrintable(describe(resume)));
    QVERIFY2(stderrProblem(resume).isEmpty(), qPrintable(describe(resume)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
    QCOMPARE(m_server.requestCount(rp), 2);
    QCOMPARE(lastRangeStart(rp), kept);
    const QJsonObject done = parseObject(resume.out.trimmed(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(done.value("resumedFrom").toInteger(), kept);
}

void tst_CliQueue::cancelPaused()
{
    const QByteArray rp = routePath();
    m_server.setRoute(rp, slowFirstRoute(6 * MiB, 47));
    const QString dest = path("c.bin");
    QVERIFY(startAndKill(rp, "c", dest));
    const Run pause = run(store() + args("pause c"));
    QVERIFY2(pause.exitCode == 0, qPrintable(describe(pause)));
    QVERIFY2(pause.out.startsWith("c: paused at "), pause.out.constData());
    QCOMPARE(partialFiles(dest).size(), 1);

    const Run cancel = run(store() + args("cancel c"));
    QVERIFY2(cancel.exitCode == 0, qPrintable(describe(cancel)));
    QVERIFY2(stderrProblem(cancel).isEmpty(), qPrintable(describe(cancel)));
    QVERIFY2(partialFiles(dest).isEmpty(), qPrintable(partialFiles(dest).join(' ')));
    QVERIFY(!QFileInfo::exists(dest));
    QString error;
    QVERIFY(listJson(&error).isEmpty());
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(m_server.requestCount(rp), 1);
}

void tst_CliQueue::worstStatusWithPaused_data()
{
    QTest::addColumn<bool>("refused"); // the other transfer: true: 404 (rejected), false: failed
    QTest::addColumn<int>("exitCode");
    QTest::newRow("paused beats rejected") << true << 5;
    QTest::newRow("failed beats paused") << false << 4;
}

// One transfer of a list is paused: it is reported as such and not waited for, the other ends,
// and the worst status wins.
void tst_CliQueue::worstStatusWithPaused()
{
    QFETCH(bool, refused);
    QFETCH(int, exitCode);
    const QByteArray rp = routePath();
    m_server.setRoute(rp + "/1", slowFirstRoute(6 * MiB, 61));
    m_server.setRoute(rp + "/2", faultRoute(statusFault(404)));
    const QString dest = path("w.bin");
    QVERIFY(startAndKill(rp + "/1", "w", dest));
    const Run pause = run(store() + args("pause w"));
    QVERIFY2(pause.exitCode == 0, qPrintable(describe(pause)));

    QString other = "@URL2";
    if (!refused) { // a port nothing listens on any more: connection refused
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        other = QStringLiteral("http://127.0.0.1:%1/gone").arg(closed.serverPort());
    }
    const QString list = writeList(
            "list.txt", QStringLiteral("w @URL1 %1\no %2 %3\n").arg(dest, other, path("o.bin")));
    const Run run = this->run(store() + args("--json --retries 0 download --input") << list);
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY2(run.err.contains("w (paused)"), run.err.constData());
    QHash<QString, QJsonObject> byId;
    for (const QByteArray &line : nonEmptyLines(run.out)) {
        QString error;
        const QJsonObject o = parseObject(line, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        byId.insert(o.value("identifier").toString(), o);
    }
    QCOMPARE(byId.size(), 2);
    QCOMPARE(byId.value("w").value("state").toString(), "paused");
    QCOMPARE(byId.value("o").value("outcome").toString(), refused ? "rejected" : "failed");
    QCOMPARE(m_server.requestCount(rp + "/1"), 1); // the paused one was left alone
}

// list --json: priority, state names, speed fields; the human line of a transfer waiting to
// retry shows when it tries next.
void tst_CliQueue::listShowsQueue()
{
    const QByteArray rp = routePath();
    const Route quick = plainRoute(100 * 1024, 53);
    m_server.setRoute(rp + "/quick", quick);
    m_server.setRoute(rp + "/busy", faultRoute(statusFault(503, "600")));
    m_server.setUploadRoute(rp + "/up", UploadRoute());
    const QString source = writeSource("source.bin", 10 * 1024);

    Run r = run(store() + download(rp + "/quick", path("quick.bin"), "quick")
                + args("--priority high"));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    r = run(store() + QStringList{"upload", source, m_server.url(rp + "/up").toString()}
            + args("--id up --priority low"));
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    const Run finishedPause = run(store() + args("pause quick"));
    QVERIFY2(finishedPause.exitCode == 65, qPrintable(describe(finishedPause)));

    // Waits ten minutes before its second attempt; this test does not wait for it.
    start(store() + args("--retries 3") + download(rp + "/busy", path("busy.bin"), "busy"));
    QString error;
    QJsonObject busy;
    QTRY_VERIFY_WITH_TIMEOUT(
            (busy = listEntry("busy", &error)).value("state").toString() == "waiting", 20000);
    QCOMPARE(busy.value("priority").toString(), "normal");
    QCOMPARE(busy.value("attempts").toInt(), 1);
    QVERIFY(busy.value("lastError").isString());
    QVERIFY(busy.contains("bytesPerSecond"));
    QVERIFY(busy.value("etaSeconds").isNull());
    const QDateTime next
            = QDateTime::fromString(busy.value("nextAttemptAt").toString(), Qt::ISODateWithMs);
    QVERIFY2(next.isValid() && next > QDateTime::currentDateTimeUtc(),
             qPrintable(busy.value("nextAttemptAt").toString()));

    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QHash<QString, QJsonObject> byId;
    for (const QJsonObject &o : all)
        byId.insert(o.value("identifier").toString(), o);
    QCOMPARE(byId.value("quick").value("priority").toString(), "high");
    QCOMPARE(byId.value("quick").value("state").toString(), "finished");
    QCOMPARE(byId.value("quick").value("bytesPerSecond").toInteger(-1), 0);
    QCOMPARE(byId.value("up").value("priority").toString(), "low");
    QCOMPARE(byId.value("up").value("kind").toString(), "upload");

    const Run human = run(store() + args("list"));
    QVERIFY2(human.exitCode == 0 && human.err.isEmpty(), qPrintable(describe(human)));
    QByteArray busyLine;
    QByteArray quickLine;
    for (const QByteArray &line : nonEmptyLines(human.out)) {
        if (line.startsWith("busy "))
            busyLine = line;
        if (line.startsWith("quick "))
            quickLine = line;
    }
    QVERIFY2(busyLine.startsWith("busy  download  waiting  normal  "), human.out.constData());
    const QString at = next.toLocalTime().toString("yyyy-MM-dd HH:mm:ss");
    QVERIFY2(busyLine.contains("  next attempt at " + at.toLatin1() + "  "), busyLine.constData());
    QVERIFY2(quickLine.contains("  high  0.1/0.1 MiB 100.0%  1 attempt  "), quickLine.constData());
}

// --disk-reserve reaches the session: a reserve no volume has ends the download as
// failed/DiskFull; `resume ID` with no reserve reopens that result and completes the file.
void tst_CliQueue::diskReserve()
{
    const QByteArray rp = routePath();
    const Route route = plainRoute(300 * 1024, 59);
    m_server.setRoute(rp, route);
    const QString dest = path("d.bin");

    const Run full
            = run(store() + args("--json --disk-reserve 1000000G") + download(rp, dest, "d"));
    QVERIFY2(full.exitCode == 4, qPrintable(describe(full)));
    QVERIFY2(stderrProblem(full).isEmpty(), qPrintable(describe(full)));
    QString error;
    const QJsonObject o = parseObject(full.out.trimmed(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("errorCode").toString(), "DiskFull");
    QVERIFY(!QFileInfo::exists(dest));

    const Run resumed = run(store() + args("--disk-reserve 0 resume d"));
    QVERIFY2(resumed.exitCode == 0, qPrintable(describe(resumed)));
    QVERIFY2(stderrProblem(resumed).isEmpty(), qPrintable(describe(resumed)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(route.entity));
}

QTEST_GUILESS_MAIN(tst_CliQueue)
#include "tst_cli_queue.moc"
