// Runs the real bgtransfer binary, as a user would, against a FaultServer in this process:
// results, outcomes, argument checks and the commands on kept results. Killing and resuming:
// tst_cli_resume.cpp. The server lives on this thread's event loop, so children are awaited
// with QSignalSpy and never with waitForFinished(), which would starve the server.

#include "clitestutil.h"
#include "faultserver.h"

#include <QtCore/QFileInfo>
#include <QtNetwork/QTcpServer>
#include <QtTest/QTest>

using namespace CliTest;
using namespace FaultTest;

Q_DECLARE_METATYPE(FaultTest::Route)

class tst_Cli : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void download_data();
    void download();
    void outcomes_data();
    void outcomes();
    void usageErrors_data();
    void usageErrors();
    void badInput_data();
    void badInput();
    void resultIsKept_data();
    void resultIsKept();
    void forgetThenResult();
    void list();
    void storeError();
    void memoryStaysBounded();

private:
    using Fixture::download; // not hidden by the test function of the same name
    void runRefused(QStringList arguments, int exitCode, const QString &dest);
};

void tst_Cli::download_data()
{
    QTest::addColumn<bool>("json");
    QTest::newRow("json") << true;
    QTest::newRow("human") << false;
}

void tst_Cli::download()
{
    QFETCH(bool, json);
    const QByteArray route = routePath();
    const Route r = plainRoute(3 * MiB + 17);
    m_server.setRoute(route, r);
    const QString dest = path("file.bin");

    const Run run = this->run(store() + (json ? args("--json") : QStringList())
                              + download(route, dest, "dl-1"));
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QCOMPARE(fileSha256(dest), FaultServer::contentSha256(r.entity));
    QVERIFY(partialFiles(dest).isEmpty());

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    if (json) {
        QString error;
        const QJsonObject o = parseObject(lines.first(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(o.value("identifier").toString(), "dl-1");
        QCOMPARE(o.value("outcome").toString(), "success");
        QCOMPARE(o.value("httpStatus").toInt(), 200);
        QCOMPARE(o.value("file").toString(), dest);
        QCOMPARE(o.value("bytes").toInteger(), r.entity.size);
        QVERIFY(o.value("retryAfter").isNull());
        QCOMPARE(o.value("attempts").toInt(), 1);
        QCOMPARE(o.value("resumedFrom").toInteger(), 0);
        QVERIFY(o.value("error").isNull());
    } else {
        QCOMPARE(QString::fromLocal8Bit(lines.first()),
                 QString("dl-1: success, 200, %1 bytes -> %2").arg(r.entity.size).arg(dest));
    }
}

void tst_Cli::outcomes_data()
{
    QTest::addColumn<Route>("route");
    QTest::addColumn<QString>("url"); // empty: the route's URL
    QTest::addColumn<QStringList>("globalArgs");
    QTest::addColumn<QStringList>("downloadArgs");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<int>("retryAfter"); // -1: null
    QTest::addColumn<QString>("errorCode");

    const QStringList none;
    QTest::newRow("404") << faultRoute(statusFault(404)) << QString() << none << none << 2
                         << "rejected" << 404 << -1 << "HttpError";
    // The default of 5 retries honouring Retry-After would outlast the run's timeout.
    QTest::newRow("503 retry-after")
            << faultRoute(statusFault(503, "7")) << QString() << args("--retries 0") << none << 3
            << "retry" << 503 << 7 << "HttpError";
    Fault stall;
    stall.stallAfterBytes = 0; // headers, then nothing: no progress, so the attempt counts
    // The default 30 s stall timeout would outlast the run's timeout.
    QTest::newRow("stall") << faultRoute(stall, MiB) << QString()
                           << args("--retries 0 --stall-timeout 1") << none << 3 << "retry" << 200
                           << -1 << "StallTimeout";
    QTest::newRow("sha256 mismatch") << plainRoute(200 * 1024) << QString() << none
                                     << QStringList{"--sha256", QString(64, '0')} << 4 << "failed"
                                     << 200 << -1 << "IntegrityError";

    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const QString refusedUrl = QString("http://127.0.0.1:%1/nothing").arg(closed.serverPort());
    closed.close();
    QTest::newRow("connection refused") << plainRoute(1) << refusedUrl << none << none << 4
                                        << "failed" << 0 << -1 << "ConnectionRefused";
}

void tst_Cli::outcomes()
{
    QFETCH(Route, route);
    QFETCH(QString, url);
    QFETCH(QStringList, globalArgs);
    QFETCH(QStringList, downloadArgs);
    QFETCH(int, exitCode);
    QFETCH(QString, outcome);
    QFETCH(int, httpStatus);
    QFETCH(int, retryAfter);
    QFETCH(QString, errorCode);

    const QByteArray rp = routePath();
    m_server.setRoute(rp, route);
    if (url.isEmpty())
        url = m_server.url(rp).toString();
    const QString dest = path("out.bin");
    const Run run
            = this->run(store() + globalArgs + args("--json")
                        + QStringList{"download", url, "-o", dest, "--id", "x"} + downloadArgs);
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY2(!QFileInfo::exists(dest), "a failed transfer left a file at the destination");

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    QString error;
    const QJsonObject o = parseObject(lines.first(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("identifier").toString(), "x");
    QCOMPARE(o.value("outcome").toString(), outcome);
    QCOMPARE(o.value("httpStatus").toInt(), httpStatus);
    if (retryAfter < 0)
        QVERIFY(o.value("retryAfter").isNull());
    else
        QCOMPARE(o.value("retryAfter").toInt(), retryAfter);
    QVERIFY(o.value("file").isNull());
    QVERIFY(o.value("error").isString());
    QCOMPARE(o.value("errorCode").toString(), errorCode);
    QCOMPARE(o.value("attempts").toInt(), 1);
}

void tst_Cli::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments"); // after --store; @URL and @OUT are filled in

    const char *dl = "download @URL -o @OUT --id u ";
    QTest::newRow("no command") << QStringList();
    QTest::newRow("only global options") << args("--json");
    QTest::newRow("unknown command") << args("frobnicate");
    QTest::newRow("global option after list") << args("list --json");
    QTest::newRow("global option after download") << args(dl) + args("--retries 1");
    QTest::newRow("store after result") << args("result u --store elsewhere.sqlite");
    QTest::newRow("unknown global option") << args("--bogus list");
    QTest::newRow("unknown download option") << args(dl) + args("--bogus");
    QTest::newRow("missing option value") << args("--retries");
    QTest::newRow("bad retries") << args("--retries many list");
    QTest::newRow("bad limit-rate") << args("--limit-rate fast list");
    QTest::newRow("bad stall-timeout") << args("--stall-timeout -1 list");
    QTest::newRow("result without id") << args("result");
    QTest::newRow("extra argument") << args("list extra");
    QTest::newRow("download without url") << args("download -o @OUT --id u");
}

// Runs `arguments` after --store, with @URL (a route of this test) and @OUT (`dest`) filled in:
// bgtransfer must refuse them with `exitCode`, print nothing on stdout and send no request.
void tst_Cli::runRefused(QStringList arguments, int exitCode, const QString &dest)
{
    const QByteArray rp = routePath();
    m_server.setRoute(rp, plainRoute(1024));
    arguments.replaceInStrings("@URL", m_server.url(rp).toString());
    arguments.replaceInStrings("@OUT", dest);

    const Run run = this->run(store() + arguments);
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(m_server.requestCount(rp), 0);
}

void tst_Cli::usageErrors()
{
    QFETCH(QStringList, arguments);
    runRefused(arguments, 64, path("u.bin"));
}

void tst_Cli::badInput_data()
{
    QTest::addColumn<QStringList>("arguments"); // after --store; @URL and @OUT are filled in

    const QStringList dl = args("download @URL -o @OUT --id b");
    auto dlFrom = [](const char *url) { return args("download -o @OUT --id b") << url; };
    QTest::newRow("ftp url") << dlFrom("ftp://127.0.0.1/file.bin");
    QTest::newRow("file url") << dlFrom("file:///etc/hostname");
    QTest::newRow("not a url") << dlFrom("http://");
    QTest::newRow("header without colon") << dl + QStringList{"-H", "X-Foo"};
    QTest::newRow("header name with space") << dl + QStringList{"-H", "X Foo: bar"};
    QTest::newRow("header with newline") << dl + QStringList{"-H", "X-Foo: a\r\nHost: evil"};
    QTest::newRow("sha256 too short") << dl + args("--sha256 abc");
    QTest::newRow("sha256 not hex") << dl + QStringList{"--sha256", QString(64, 'g')};
    QTest::newRow("missing -o") << args("download @URL --id b");
    QTest::newRow("missing --id") << args("download @URL -o @OUT");
    QTest::newRow("id with control character") << (args("download @URL -o @OUT --id") << "a\tb");
    QTest::newRow("result of unknown id") << args("result nope");
    QTest::newRow("forget unknown id") << args("forget nope");
    QTest::newRow("cancel unknown id") << args("cancel nope");
}

void tst_Cli::badInput()
{
    QFETCH(QStringList, arguments);
    const QString dest = path("b.bin");
    runRefused(arguments, 65, dest);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!QFileInfo::exists(dest));
}

void tst_Cli::resultIsKept_data()
{
    QTest::addColumn<Route>("route");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("outcome");

    QTest::newRow("success") << plainRoute(100 * 1024) << 0 << "success";
    QTest::newRow("rejected") << faultRoute(statusFault(410)) << 2 << "rejected";
    QTest::newRow("retry") << faultRoute(statusFault(503, "9")) << 3 << "retry";
}

void tst_Cli::resultIsKept()
{
    QFETCH(Route, route);
    QFETCH(int, exitCode);
    QFETCH(QString, outcome);

    const QByteArray rp = routePath();
    m_server.setRoute(rp, route);
    const QStringList downloadArgs
            = store() + args("--json --retries 0") + download(rp, path("kept.bin"), "kept");
    const Run first = run(downloadArgs);
    QVERIFY2(first.exitCode == exitCode, qPrintable(describe(first)));
    QCOMPARE(m_server.requestCount(rp), 1);

    const Run kept = run(store() + args("--json result kept"));
    QVERIFY2(kept.exitCode == exitCode, qPrintable(describe(kept)));
    QVERIFY2(stderrProblem(kept).isEmpty(), qPrintable(describe(kept)));
    QCOMPARE(kept.out, first.out);
    QString error;
    const QJsonObject o = parseObject(nonEmptyLines(kept.out).value(0), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("outcome").toString(), outcome);

    // Asking to download it again answers with the kept result too, without the network.
    const Run again = run(downloadArgs);
    QVERIFY2(again.exitCode == exitCode, qPrintable(describe(again)));
    QCOMPARE(again.out, first.out);
    QCOMPARE(m_server.requestCount(rp), 1);
}

void tst_Cli::forgetThenResult()
{
    m_server.setRoute("/forget", plainRoute(50 * 1024));
    const QString dest = path("f.bin");
    const Run first = run(store() + download("/forget", dest, "f"));
    QVERIFY2(first.exitCode == 0, qPrintable(describe(first)));

    const Run forget = run(store() + args("forget f"));
    QVERIFY2(forget.exitCode == 0, qPrintable(describe(forget)));
    QVERIFY2(stderrProblem(forget).isEmpty(), qPrintable(describe(forget)));
    QVERIFY2(QFileInfo::exists(dest), "forget must leave the downloaded file alone");

    const Run result = run(store() + args("result f"));
    QVERIFY2(result.exitCode == 65, qPrintable(describe(result)));
    QVERIFY2(stderrProblem(result).isEmpty(), qPrintable(describe(result)));

    QString error;
    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(all.isEmpty());

    const Run twice = run(store() + args("forget f"));
    QVERIFY2(twice.exitCode == 65, qPrintable(describe(twice)));
}

void tst_Cli::list()
{
    const Route goodRoute = plainRoute(70 * 1024);
    m_server.setRoute("/list/good", goodRoute);
    m_server.setRoute("/list/gone", faultRoute(statusFault(404)));
    const QString goodDest = path("good.bin");
    QCOMPARE(run(store() + download("/list/good", goodDest, "good")).exitCode, 0);
    QCOMPARE(run(store() + download("/list/gone", path("gone.bin"), "gone")).exitCode, 2);

    QString error;
    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 2);
    QHash<QString, QJsonObject> byId;
    for (const QJsonObject &o : all)
        byId.insert(o.value("identifier").toString(), o);
    const QJsonObject g = byId.value("good");
    QCOMPARE(g.value("state").toString(), "finished");
    QCOMPARE(g.value("outcome").toString(), "success");
    QCOMPARE(g.value("url").toString(), m_server.url("/list/good").toString());
    QCOMPARE(g.value("file").toString(), goodDest);
    QCOMPARE(g.value("bytesReceived").toInteger(), goodRoute.entity.size);
    QCOMPARE(g.value("bytesTotal").toInteger(), goodRoute.entity.size);
    QCOMPARE(g.value("attempts").toInt(), 1);
    QVERIFY(g.contains("nextAttemptAt"));
    QVERIFY(g.value("lastError").isNull());
    const QJsonObject n = byId.value("gone");
    QCOMPARE(n.value("state").toString(), "finished");
    QCOMPARE(n.value("outcome").toString(), "rejected");
    QCOMPARE(n.value("httpStatus").toInt(), 404);

    const Run human = run(store() + args("list"));
    QVERIFY2(human.exitCode == 0 && human.err.isEmpty(), qPrintable(describe(human)));
    const QList<QByteArray> lines = nonEmptyLines(human.out);
    QCOMPARE(lines.size(), 2);
    for (const QByteArray &line : lines) {
        QVERIFY2((line.startsWith("good ") || line.startsWith("gone "))
                         && line.contains("finished"),
                 line.constData());
    }
}

void tst_Cli::storeError()
{
    QFile garbage(m_store);
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    for (int i = 0; i < 200; ++i)
        garbage.write("this is not an SQLite database, whatever its name says\n");
    garbage.close();
    m_server.setRoute("/store-error", plainRoute(1024));

    const Run listRun = run(store() + args("list"));
    QVERIFY2(listRun.exitCode == 4, qPrintable(describe(listRun)));
    QVERIFY2(stderrProblem(listRun).isEmpty(), qPrintable(describe(listRun)));
    QVERIFY2(listRun.err.contains(m_store.toLocal8Bit()), listRun.err.constData());

    const Run dl = run(store() + args("--json") + download("/store-error", path("s.bin"), "s"));
    QVERIFY2(dl.exitCode == 4, qPrintable(describe(dl)));
    QVERIFY2(stderrProblem(dl).isEmpty(), qPrintable(describe(dl)));
    QVERIFY2(dl.err.contains(m_store.toLocal8Bit()), dl.err.constData());
    QVERIFY2(dl.err.contains("--recover"), dl.err.constData()); // the way out is named
    QCOMPARE(m_server.requestCount("/store-error"), 0);

    // --recover alone moves it aside and says where; partial files of earlier runs stay.
    const QByteArray garbageBytes = BackgroundTest::readFile(m_store);
    const QString partial = path(QStringLiteral(".s.bin.77aa.part"));
    QVERIFY(BackgroundTest::writeFile(partial, "kept"));
    const Run recover = run(store() + args("--recover"));
    QVERIFY2(recover.exitCode == 0, qPrintable(describe(recover)));
    QVERIFY2(recover.out.contains("moved"), qPrintable(describe(recover)));
    const QStringList moved = QFileInfo(m_store).dir().entryList(
            {QFileInfo(m_store).fileName() + QStringLiteral(".broken-*")});
    QCOMPARE(moved.size(), 1);
    QCOMPARE(BackgroundTest::readFile(QFileInfo(m_store).dir().filePath(moved.constFirst())),
             garbageBytes);
    QCOMPARE(BackgroundTest::readFile(partial), QByteArray("kept"));
    const Run again = run(store() + args("--json --recover"));
    QVERIFY2(again.exitCode == 0, qPrintable(describe(again)));
    QVERIFY2(again.out.contains("\"status\":\"healthy\""), qPrintable(describe(again)));
    // Before a command it recovers, then runs the command on the new store.
    QVERIFY(BackgroundTest::writeFile(m_store, garbageBytes));
    const Run fixedRun
            = run(store() + args("--recover") + download("/store-error", path("s.bin"), "s"));
    QVERIFY2(fixedRun.exitCode == 0, qPrintable(describe(fixedRun)));
    QCOMPARE(QFileInfo(path("s.bin")).size(), 1024);
}

void tst_Cli::memoryStaysBounded()
{
#ifdef Q_OS_LINUX
    // 256 MiB through a process whose peak RSS stays far below it: no body is held in memory.
    const Route route = plainRoute(256 * MiB);
    m_server.setRoute("/big", route);
    const QString dest = path("big.bin");
    const Run run = this->run(store() + args("--json") + download("/big", dest, "big"), 45000);
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QCOMPARE(QFileInfo(dest).size(), route.entity.size);

    const long peakKiB = BackgroundTest::peakChildRssKiB();
    qInfo("peak RSS of the largest bgtransfer run: %ld KiB", peakKiB);
    QVERIFY(peakKiB > 0);
    QVERIFY2(peakKiB < 100 * 1024, qPrintable(QString::number(peakKiB)));
#else
    QSKIP("ru_maxrss of children is only checked on Linux");
#endif
}

QTEST_GUILESS_MAIN(tst_Cli)
#include "tst_cli.moc"
