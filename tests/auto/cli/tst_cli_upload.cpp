// Runs `bgtransfer upload` against the upload routes of a FaultServer in this process: what the
// server received, the --json line, exit statuses, argument checks, the commands on kept upload
// results, and a killed upload sent again by `resume`. Children are awaited with QSignalSpy, never
// with waitForFinished(), which would starve the server on this thread's event loop.

#include "clitestutil.h"
#include "faultserver.h"
#include "multipart.h"

#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace CliTest;
using namespace FaultTest;

class tst_CliUpload : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void put_data();
    void put();
    void form_data();
    void form();
    void outcomes_data();
    void outcomes();
    void refused_data();
    void refused();
    void tusOptionsNeedTus_data();
    void tusOptionsNeedTus();
    void resultIsKept_data();
    void resultIsKept();
    void listAndForget();
    void resumeAfterKill();

private:
    QStringList upload(const QString &file, const QByteArray &route, const QString &id) const
    {
        return {"upload", file, m_server.url(route).toString(), "--id", id};
    }
};

void tst_CliUpload::put_data()
{
    QTest::addColumn<bool>("json");
    QTest::newRow("json") << true;
    QTest::newRow("human") << false;
}

void tst_CliUpload::put()
{
    QFETCH(bool, json);
    const QByteArray rp = routePath();
    m_server.setUploadRoute(rp, UploadRoute());
    const qint64 size = 700 * 1024 + 3;
    const QString src = writeSource("src.bin", size);
    QVERIFY(!src.isEmpty());

    const Run run
            = this->run(store() + (json ? args("--json") : QStringList()) + upload(src, rp, "up")
                        + QStringList{"-H", "X-Trace: abc", "-H", "Content-Type: text/x-t"});
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));

    const QList<ReceivedUpload> got = m_server.uploads(rp);
    QCOMPARE(got.size(), 1);
    QCOMPARE(got.first().method, "PUT");
    QVERIFY(got.first().complete);
    QCOMPARE(got.first().bytesReceived, size);
    QCOMPARE(got.first().sha256, fileSha256(src));
    QCOMPARE(got.first().header("X-Trace"), "abc");
    QCOMPARE(got.first().header("Content-Type"), "text/x-t");

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    if (!json) {
        QCOMPARE(QString::fromLocal8Bit(lines.first()),
                 QString("up: success, 201, %1 bytes sent from %2").arg(size).arg(src));
        return;
    }
    QString error;
    const QJsonObject o = parseObject(lines.first(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("identifier").toString(), "up");
    QCOMPARE(o.value("outcome").toString(), "success");
    QCOMPARE(o.value("httpStatus").toInt(), 201);
    QCOMPARE(o.value("file").toString(), src);
    QCOMPARE(o.value("bytes").toInteger(), size);
    QCOMPARE(o.value("responseBody").toString(), "stored");
    QVERIFY(o.contains("responseBodyFile"));
    QVERIFY(o.value("responseBodyFile").isNull());
    QCOMPARE(o.value("attempts").toInt(), 1);
    QVERIFY(o.value("error").isNull());
    QVERIFY(o.value("errorCode").isNull());
}

void tst_CliUpload::form_data()
{
    QTest::addColumn<QStringList>("methodArgs");
    QTest::addColumn<QByteArray>("method");
    QTest::newRow("default POST") << QStringList() << QByteArray("POST");
    QTest::newRow("PATCH") << args("--method PATCH") << QByteArray("PATCH");
    QTest::newRow("put lower case") << args("--method put") << QByteArray("PUT");
}

void tst_CliUpload::form()
{
    QFETCH(QStringList, methodArgs);
    QFETCH(QByteArray, method);
    const QByteArray rp = routePath();
    m_server.setUploadRoute(rp, UploadRoute());
    const qint64 size = 200 * 1024 + 1;
    const QString src = writeSource("report.bin", size, 8);
    QVERIFY(!src.isEmpty());

    const Run run = this->run(store() + args("--json") + upload(src, rp, "f") + methodArgs
                              + QStringList{"--form",
                                            "doc",
                                            "--field",
                                            "title=Hello world",
                                            "--field",
                                            "note=a=b",
                                            "--field",
                                            "empty="});
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));

    const QList<ReceivedUpload> got = m_server.uploads(rp);
    QCOMPARE(got.size(), 1);
    QCOMPARE(got.first().method, method);
    QVERIFY(got.first().complete);
    const QByteArray boundary = boundaryFromContentType(got.first().header("Content-Type"));
    QVERIFY2(!boundary.isEmpty(), got.first().header("Content-Type").constData());
    QString error;
    const std::optional<QList<MultipartPart>> parts
            = parseMultipartFile(got.first().bodyFile, boundary, &error);
    QVERIFY2(parts, qPrintable(error));
    QHash<QByteArray, MultipartPart> byName;
    for (const MultipartPart &p : *parts)
        byName.insert(p.name, p);
    QCOMPARE(parts->size(), 4);
    QCOMPARE(byName.value("title").smallContent, "Hello world");
    QCOMPARE(byName.value("note").smallContent, "a=b");
    QVERIFY(byName.contains("empty"));
    QCOMPARE(byName.value("empty").size, 0);
    const MultipartPart file = byName.value("doc");
    QCOMPARE(file.fileName, "report.bin");
    QCOMPARE(file.size, size);
    QCOMPARE(file.sha256, fileSha256(src));

    const QJsonObject o = parseObject(nonEmptyLines(run.out).value(0), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("httpStatus").toInt(), 201);
    QCOMPARE(o.value("responseBody").toString(), "stored");
}

void tst_CliUpload::outcomes_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("outcome");
    QTest::newRow("503") << 503 << 3 << "retry";
    QTest::newRow("404") << 404 << 2 << "rejected";
}

void tst_CliUpload::outcomes()
{
    QFETCH(int, status);
    QFETCH(int, exitCode);
    QFETCH(QString, outcome);
    const QByteArray rp = routePath();
    UploadRoute route;
    route.then.status = status;
    route.then.errorBody = "nope";
    m_server.setUploadRoute(rp, route);
    const QString src = writeSource("src.bin", 64 * 1024);
    QVERIFY(!src.isEmpty());

    const Run run = this->run(store() + args("--json --retries 0") + upload(src, rp, "o"));
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QCOMPARE(m_server.uploads(rp).size(), 1);
    QVERIFY2(QFileInfo::exists(src), "a failed upload must leave its source alone");

    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    QString error;
    const QJsonObject o = parseObject(lines.first(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("identifier").toString(), "o");
    QCOMPARE(o.value("outcome").toString(), outcome);
    QCOMPARE(o.value("httpStatus").toInt(), status);
    QCOMPARE(o.value("errorCode").toString(), "HttpError");
    QVERIFY(o.contains("responseBody"));
    QVERIFY(o.contains("responseBodyFile"));
    if (status == 404)
        QCOMPARE(o.value("responseBody").toString(), "nope");
}

void tst_CliUpload::refused_data()
{
    QTest::addColumn<QStringList>("arguments"); // after --store; @URL and @SRC are filled in
    QTest::addColumn<int>("exitCode");

    const QStringList up = args("upload @SRC @URL --id u");
    // Usage errors.
    QTest::newRow("no file or url") << args("upload --id u") << 64;
    QTest::newRow("no url") << args("upload @SRC --id u") << 64;
    QTest::newRow("extra argument") << up + args("extra") << 64;
    QTest::newRow("unknown option") << up + args("--bogus") << 64;
    QTest::newRow("download option -o") << up + args("-o out.bin") << 64;
    QTest::newRow("download option --sha256")
            << up + QStringList{"--sha256", QString(64, 'a')} << 64;
    QTest::newRow("global option after upload") << up + args("--json") << 64;
    QTest::newRow("method twice") << up + args("--method PUT --method POST") << 64;
    QTest::newRow("form twice") << up + args("--form a --form b") << 64;
    QTest::newRow("method without value") << up + args("--method") << 64;
    QTest::newRow("field option for download")
            << args("download @URL -o x.bin --id u --field a=b") << 64;
    // Bad input.
    QTest::newRow("missing file") << args("upload nothing-here.bin @URL --id u") << 65;
    QTest::newRow("directory as file") << args("upload . @URL --id u") << 65;
    QTest::newRow("method GET") << up + args("--method GET") << 65;
    QTest::newRow("method DELETE") << up + args("--method DELETE") << 65;
    QTest::newRow("field without form") << up + args("--field a=b") << 65;
    QTest::newRow("field without =") << up + args("--form f --field ab") << 65;
    QTest::newRow("field with empty name") << up + args("--form f --field =b") << 65;
    QTest::newRow("field name with quote")
            << up + QStringList{"--form", "f", "--field", "a\"=b"} << 65;
    QTest::newRow("empty form name") << up + QStringList{"--form", ""} << 65;
    QTest::newRow("missing --id") << args("upload @SRC @URL") << 65;
    QTest::newRow("ftp url") << args("upload @SRC ftp://127.0.0.1/x --id u") << 65;
    QTest::newRow("malformed header") << up + QStringList{"-H", "X-Foo"} << 65;
    QTest::newRow("content-type with form")
            << up + QStringList{"--form", "f", "-H", "Content-Type: text/plain"} << 65;
}

void tst_CliUpload::refused()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    const QByteArray rp = routePath();
    m_server.setUploadRoute(rp, UploadRoute());
    const QString src = writeSource("src.bin", 1024);
    QVERIFY(!src.isEmpty());
    arguments.replaceInStrings("@URL", m_server.url(rp).toString());
    arguments.replaceInStrings("@SRC", src);

    const Run run = this->run(store() + arguments);
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(m_server.requestCount(rp), 0);
    QVERIFY(m_server.uploads(rp).isEmpty());
}

void tst_CliUpload::tusOptionsNeedTus_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::newRow("chunk size alone") << args("--chunk-size 1048576");
    QTest::newRow("checksum alone") << args("--tus-checksum");
}

void tst_CliUpload::tusOptionsNeedTus()
{
    QFETCH(QStringList, extra);
    const QByteArray rp = routePath();
    m_server.setUploadRoute(rp, UploadRoute());
    const QString src = writeSource("src.bin", 1024);
    QVERIFY(!src.isEmpty());

    const Run run = this->run(store() + upload(src, rp, "t") + extra);
    QVERIFY2(run.exitCode == 64, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY2(run.err.contains("needs --tus"), run.err.constData());
    QVERIFY(run.out.isEmpty());
    QCOMPARE(m_server.requestCount(rp), 0);
}

void tst_CliUpload::resultIsKept_data()
{
    QTest::addColumn<int>("status"); // 0: success
    QTest::addColumn<int>("exitCode");
    QTest::newRow("success") << 0 << 0;
    QTest::newRow("rejected") << 422 << 2;
}

void tst_CliUpload::resultIsKept()
{
    QFETCH(int, status);
    QFETCH(int, exitCode);
    const QByteArray rp = routePath();
    UploadRoute route;
    route.then.status = status;
    route.responseBody = "kept body";
    m_server.setUploadRoute(rp, route);
    const QString src = writeSource("src.bin", 90 * 1024);
    QVERIFY(!src.isEmpty());

    const QStringList uploadArgs = store() + args("--json") + upload(src, rp, "kept");
    const Run first = run(uploadArgs);
    QVERIFY2(first.exitCode == exitCode, qPrintable(describe(first)));
    QCOMPARE(m_server.requestCount(rp), 1);
    QVERIFY(first.out.contains("\"responseBody\""));

    const Run kept = run(store() + args("--json result kept"));
    QVERIFY2(kept.exitCode == exitCode, qPrintable(describe(kept)));
    QVERIFY2(stderrProblem(kept).isEmpty(), qPrintable(describe(kept)));
    QCOMPARE(kept.out, first.out);

    const Run human = run(store() + args("result kept"));
    QVERIFY2(human.exitCode == exitCode, qPrintable(describe(human)));
    if (status == 0)
        QVERIFY2(human.out.contains("bytes sent from"), human.out.constData());

    // The same upload command answers with the kept result too, without the network.
    const Run again = run(uploadArgs);
    QVERIFY2(again.exitCode == exitCode, qPrintable(describe(again)));
    QCOMPARE(again.out, first.out);
    QCOMPARE(m_server.requestCount(rp), 1);
}

void tst_CliUpload::listAndForget()
{
    m_server.setUploadRoute("/laf/up", UploadRoute());
    m_server.setRoute("/laf/down", plainRoute(10 * 1024));
    const QString src = writeSource("src.bin", 10 * 1024);
    QVERIFY(!src.isEmpty());
    QCOMPARE(run(store() + upload(src, "/laf/up", "u")).exitCode, 0);
    QCOMPARE(run(store() + download("/laf/down", path("d.bin"), "d")).exitCode, 0);

    QString error;
    QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 2);
    QHash<QString, QJsonObject> byId;
    for (const QJsonObject &o : all)
        byId.insert(o.value("identifier").toString(), o);
    QCOMPARE(byId.value("u").value("kind").toString(), "upload");
    QCOMPARE(byId.value("u").value("file").toString(), src);
    QCOMPARE(byId.value("u").value("responseBody").toString(), "stored");
    QCOMPARE(byId.value("d").value("kind").toString(), "download");

    const Run human = run(store() + args("list"));
    QVERIFY2(human.exitCode == 0 && human.err.isEmpty(), qPrintable(describe(human)));
    bool sawUpload = false;
    for (const QByteArray &line : nonEmptyLines(human.out)) {
        if (line.startsWith("u "))
            sawUpload = line.contains(" upload ");
    }
    QVERIFY2(sawUpload, human.out.constData());

    const Run forget = run(store() + args("forget u"));
    QVERIFY2(forget.exitCode == 0, qPrintable(describe(forget)));
    QVERIFY2(QFileInfo::exists(src), "forget must leave the source alone");
    const Run result = run(store() + args("result u"));
    QVERIFY2(result.exitCode == 65, qPrintable(describe(result)));
    all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 1);
}

void tst_CliUpload::resumeAfterKill()
{
    const QByteArray rp = "/resume-after-kill";
    UploadRoute route;
    Fault slow;
    slow.throttle = 256 * 1024;
    route.script = {slow}; // slow until the kill, then as fast as possible
    m_server.setUploadRoute(rp, route);
    const qint64 size = 12 * MiB + 9;
    const QString src = writeSource("big.bin", size, 31);
    QVERIFY(!src.isEmpty());

    QProcess *p = start(store() + upload(src, rp, "r"));
    QSignalSpy done(p, &QProcess::finished);
    QTRY_VERIFY_WITH_TIMEOUT(m_server.bodyBytesReceived(rp) > 0 || !done.isEmpty(), 15000);
    QVERIFY2(done.isEmpty(), "the upload ended before it could be killed");
    p->kill();
    QVERIFY(done.wait(5000));

    QString error;
    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().value("kind").toString(), "upload");
    QVERIFY(all.first().value("state").toString() != "finished");

    const Run resumed = run(store() + args("--json resume"), 45000);
    QVERIFY2(resumed.exitCode == 0, qPrintable(describe(resumed)));
    QVERIFY2(stderrProblem(resumed).isEmpty(), qPrintable(describe(resumed)));
    const QJsonObject o = parseObject(nonEmptyLines(resumed.out).value(0), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("identifier").toString(), "r");
    QCOMPARE(o.value("outcome").toString(), "success");
    QCOMPARE(o.value("file").toString(), src);
    QCOMPARE(o.value("responseBody").toString(), "stored");

    const QList<ReceivedUpload> got = m_server.uploads(rp);
    QVERIFY(got.size() >= 2);
    QVERIFY(got.last().complete);
    QCOMPARE(got.last().sha256, fileSha256(src));
}

QTEST_GUILESS_MAIN(tst_CliUpload)
#include "tst_cli_upload.moc"
