// Runs `bgtransfer upload --tus` against the tus route of a FaultServer in this process: what the
// server received (PATCHes, metadata, checksums), the --json line, argument checks, `list` and
// `cancel` of an upload that was killed, and a killed upload continued. Children are awaited
// with QSignalSpy, never with waitForFinished(), which would starve the server on this thread.

#include "clitestutil.h"
#include "faultserver.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFileInfo>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>

using namespace CliTest;
using namespace FaultTest;

class tst_CliTus : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void upload_data();
    void upload();
    void metadata_data();
    void metadata();
    void checksum_data();
    void checksum();
    void refused_data();
    void refused();
    void cancelUnfinished_data();
    void cancelUnfinished();
    void continueAfterKill_data();
    void continueAfterKill();

private:
    QStringList tusUpload(const QString &file, const QByteArray &route, const QString &id) const
    {
        return {"upload", file, m_server.url(route).toString(), "--id", id, "--tus"};
    }
    // Starts `arguments`, waits until the server stalls at `stallAt` bytes of the first PATCH
    // (scripted by the caller) and SIGKILLs the child: an unfinished upload on both sides.
    bool startAndKillAtStall(const QStringList &arguments, const QByteArray &route, qint64 stallAt);
    // The PATCHes at `route` started where the ones before them ended, and stored `size` bytes.
    static QString patchChainProblem(const QList<ReceivedUpload> &patches, qint64 size);
};

bool tst_CliTus::startAndKillAtStall(const QStringList &arguments,
                                     const QByteArray &route,
                                     qint64 stallAt)
{
    QProcess *p = start(arguments);
    QSignalSpy done(p, &QProcess::finished);
    const auto stalled = [&] {
        const QList<TusUpload> uploads = m_server.tusUploads(route);
        return !uploads.isEmpty() && uploads.first().offset == stallAt;
    };
    [&] { QTRY_VERIFY_WITH_TIMEOUT(stalled() || !done.isEmpty(), 20000); }();
    if (QTest::currentTestFailed() || !done.isEmpty())
        return false;
    p->kill(); // SIGKILL: the store keeps the upload URL, the server keeps the upload
    if (done.isEmpty() && !done.wait(10000))
        return false;
    return p->exitStatus() == QProcess::CrashExit;
}

QString tst_CliTus::patchChainProblem(const QList<ReceivedUpload> &patches, qint64 size)
{
    qint64 offset = 0;
    for (const ReceivedUpload &p : patches) {
        if (p.method != "PATCH" || p.header("Upload-Offset").toLongLong() != offset)
            return QStringLiteral("%1 from %2, but the server stood at %3")
                    .arg(QString::fromLatin1(p.method),
                         QString::fromLatin1(p.header("Upload-Offset")))
                    .arg(offset);
        if (p.header("Content-Type") != "application/offset+octet-stream"
            || p.header("Tus-Resumable") != "1.0.0")
            return QStringLiteral("PATCH at %1 without the tus headers").arg(offset);
        offset += p.bytesReceived;
    }
    return offset == size ? QString()
                          : QStringLiteral("%1 bytes stored, not %2").arg(offset).arg(size);
}

void tst_CliTus::upload_data()
{
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<qint64>("chunk"); // 0: the whole file in one PATCH; -1: an empty file
    QTest::addColumn<bool>("json");

    QTest::newRow("json") << QStringList() << qint64(0) << true;
    QTest::newRow("human") << QStringList() << qint64(0) << false;
    QTest::newRow("chunk 1M") << args("--chunk-size 1M") << MiB << true;
    QTest::newRow("chunk 512K") << args("--chunk-size 512K") << 512 * 1024LL << true;
    QTest::newRow("chunk in bytes") << args("--chunk-size=1000000") << 1000000LL << true;
    // Created complete: no PATCH, and the creation's 201 is the last answer.
    QTest::newRow("empty file") << args("--chunk-size 1M") << qint64(-1) << true;
}

void tst_CliTus::upload()
{
    QFETCH(QStringList, extra);
    QFETCH(qint64, chunk);
    QFETCH(bool, json);
    const QByteArray rp = routePath();
    m_server.setTusRoute(rp, TusRoute());
    const qint64 size = chunk < 0 ? 0 : 3 * MiB + 5;
    const QString src = writeSource("src.bin", size);
    QVERIFY(!src.isEmpty());

    const QStringList command
            = store() + (json ? args("--json") : QStringList()) + tusUpload(src, rp, "up") + extra;
    const Run run = this->run(command);
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));

    const QList<TusUpload> uploads = m_server.tusUploads(rp);
    QCOMPARE(uploads.size(), 1);
    QCOMPARE(uploads.first().length, size);
    QCOMPARE(uploads.first().offset, size);
    QCOMPARE(fileSha256(uploads.first().file), fileSha256(src));
    QCOMPARE(m_server.tusRequestCount(rp, "POST"), 1);
    QCOMPARE(m_server.tusRequestCount(rp, "HEAD"), 0);
    QCOMPARE(m_server.tusRequestCount(rp, "OPTIONS"), 0);
    const qint64 patches = chunk > 0 ? (size + chunk - 1) / chunk : chunk == 0 ? 1 : 0;
    QCOMPARE(m_server.tusRequestCount(rp, "PATCH"), int(patches));
    const QList<ReceivedUpload> got = m_server.uploads(rp);
    const QString chain = patchChainProblem(got, size);
    QVERIFY2(chain.isEmpty(), qPrintable(chain));
    for (const ReceivedUpload &p : got) {
        QCOMPARE(p.status, 204);
        QCOMPARE(p.declaredLength,
                 qMin(chunk > 0 ? chunk : size, size - p.header("Upload-Offset").toLongLong()));
    }

    const QString uploadUrl = m_server.url(uploads.first().path).toString(QUrl::FullyEncoded);
    const QList<QByteArray> lines = nonEmptyLines(run.out);
    QCOMPARE(lines.size(), 1);
    if (!json) {
        QCOMPARE(QString::fromLocal8Bit(lines.first()),
                 QString("up: success, 204, %1 bytes sent from %2").arg(size).arg(src));
        return;
    }
    QString error;
    const QJsonObject o = parseObject(lines.first(), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("identifier").toString(), "up");
    QCOMPARE(o.value("outcome").toString(), "success");
    QCOMPARE(o.value("httpStatus").toInt(), patches > 0 ? 204 : 201);
    QCOMPARE(o.value("bytes").toInteger(), size);
    QCOMPARE(o.value("file").toString(), src);
    QCOMPARE(o.value("uploadUrl").toString(), uploadUrl);
    QCOMPARE(o.value("attempts").toInt(), 1);
    QVERIFY(o.value("error").isNull());

    // The kept transfer names its upload URL too.
    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().value("state").toString(), "finished");
    QCOMPARE(all.first().value("uploadUrl").toString(), uploadUrl);
    QCOMPARE(all.first().value("url").toString(), m_server.url(rp).toString(QUrl::FullyEncoded));
    const Run kept = this->run(store() + args("--json result up"));
    QVERIFY2(kept.exitCode == 0, qPrintable(describe(kept)));
    QCOMPARE(kept.out, run.out);
}

void tst_CliTus::metadata_data()
{
    QTest::addColumn<QString>("name"); // of the source
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QStringList>("expected"); // "key=value", in the order sent

    QTest::newRow("file name and type only")
            << "doc.bin" << QStringList()
            << QStringList{"filename=doc.bin", "filetype=application/octet-stream"};
    QTest::newRow("one field") << "doc.bin" << args("--field title=Hello")
                               << QStringList{"filename=doc.bin",
                                              "filetype=application/octet-stream",
                                              "title=Hello"};
    QTest::newRow("fields in order")
            << "doc.bin"
            << QStringList{"--field", "note=a=b c", "--field", "empty=", "--field", "gruss=Grüße"}
            << QStringList{"filename=doc.bin",
                           "filetype=application/octet-stream",
                           "note=a=b c",
                           "empty=",
                           "gruss=Grüße"};
    QTest::newRow("type from -H") << "doc.bin"
                                  << QStringList{"-H", "Content-Type: text/csv", "--field", "k=v"}
                                  << QStringList{"filename=doc.bin", "filetype=text/csv", "k=v"};
    QTest::newRow("file name not ascii")
            << "Grüße, Bericht.bin" << QStringList()
            << QStringList{"filename=Grüße, Bericht.bin", "filetype=application/octet-stream"};
}

void tst_CliTus::metadata()
{
    QFETCH(QString, name);
    QFETCH(QStringList, extra);
    QFETCH(QStringList, expected);
    const QByteArray rp = routePath();
    m_server.setTusRoute(rp, TusRoute());
    const QString src = writeSource(name, 10 * 1024);
    QVERIFY(!src.isEmpty());

    const Run run = this->run(store() + tusUpload(src, rp, "m") + extra);
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    const QList<TusUpload> uploads = m_server.tusUploads(rp);
    QCOMPARE(uploads.size(), 1);
    QStringList metadata;
    for (const auto &pair : uploads.first().metadata)
        metadata.append(QString::fromUtf8(pair.first + '=' + pair.second));
    QCOMPARE(metadata, expected);
    // The content type names the file; the PATCH bodies keep the tus type.
    const QString chain = patchChainProblem(m_server.uploads(rp), 10 * 1024);
    QVERIFY2(chain.isEmpty(), qPrintable(chain));
}

void tst_CliTus::checksum_data()
{
    QTest::addColumn<bool>("serverTakesSha1");
    QTest::addColumn<bool>("asked"); // --tus-checksum
    QTest::newRow("server takes sha1") << true << true;
    QTest::newRow("server without checksums") << false << true;
    QTest::newRow("not asked") << true << false;
}

void tst_CliTus::checksum()
{
    QFETCH(bool, serverTakesSha1);
    QFETCH(bool, asked);
    const QByteArray rp = routePath();
    TusRoute route;
    route.checksum = serverTakesSha1;
    m_server.setTusRoute(rp, route);
    const qint64 size = 2 * MiB + 512 * 1024 + 7;
    const QString src = writeSource("src.bin", size, 17);
    QVERIFY(!src.isEmpty());

    const Run run = this->run(store() + tusUpload(src, rp, "c") + args("--chunk-size 1M")
                              + (asked ? args("--tus-checksum") : QStringList()));
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QCOMPARE(fileSha256(m_server.tusUploads(rp).value(0).file), fileSha256(src));
    // One question per job, only when asked.
    QCOMPARE(m_server.tusRequestCount(rp, "OPTIONS"), asked ? 1 : 0);

    const QList<ReceivedUpload> patches = m_server.uploads(rp);
    QCOMPARE(patches.size(), 3);
    QFile source(src);
    QVERIFY(source.open(QIODevice::ReadOnly));
    for (const ReceivedUpload &p : patches) {
        QCOMPARE(p.status, 204);
        if (!(serverTakesSha1 && asked)) {
            QCOMPARE(p.header("Upload-Checksum"), QByteArray());
            continue;
        }
        QVERIFY(source.seek(p.header("Upload-Offset").toLongLong()));
        const QByteArray digest
                = QCryptographicHash::hash(source.read(p.declaredLength), QCryptographicHash::Sha1);
        QCOMPARE(p.header("Upload-Checksum"), "sha1 " + digest.toBase64());
    }
}

void tst_CliTus::refused_data()
{
    QTest::addColumn<QStringList>("arguments"); // after --store; @URL and @SRC are filled in
    QTest::addColumn<int>("exitCode");

    const QStringList up = args("upload @SRC @URL --id u");
    const QStringList tus = up + args("--tus");
    // Usage errors.
    QTest::newRow("chunk size without tus") << up + args("--chunk-size 1M") << 64;
    QTest::newRow("checksum without tus") << up + args("--tus-checksum") << 64;
    QTest::newRow("chunk size 0") << tus + args("--chunk-size 0") << 64;
    QTest::newRow("chunk size garbage") << tus + args("--chunk-size lots") << 64;
    QTest::newRow("chunk size negative") << tus + args("--chunk-size -5") << 64;
    QTest::newRow("chunk size fraction") << tus + args("--chunk-size 1.5M") << 64;
    QTest::newRow("chunk size unit G") << tus + args("--chunk-size 1G") << 64;
    QTest::newRow("chunk size empty") << tus + args("--chunk-size=") << 64;
    QTest::newRow("chunk size without value") << tus + args("--chunk-size") << 64;
    QTest::newRow("chunk size twice") << tus + args("--chunk-size 1M --chunk-size 2M") << 64;
    QTest::newRow("chunk size too big") << tus + args("--chunk-size 99999999999999999999") << 64;
    QTest::newRow("tus with a value") << up + args("--tus=yes") << 64;
    QTest::newRow("checksum with a value") << tus + args("--tus-checksum=sha1") << 64;
    QTest::newRow("tus for download") << args("download @URL -o x.bin --id u --tus") << 64;
    // Bad input.
    QTest::newRow("tus with form") << tus + args("--form f") << 65;
    QTest::newRow("tus with method") << tus + args("--method PATCH") << 65;
    QTest::newRow("field key with space") << tus + QStringList{"--field", "a b=c"} << 65;
    QTest::newRow("field key with comma") << tus + QStringList{"--field", "a,b=c"} << 65;
    QTest::newRow("field key not ascii") << tus + QStringList{"--field", "grüße=x"} << 65;
    QTest::newRow("field without =") << tus + args("--field ab") << 65;
    QTest::newRow("field with empty key") << tus + args("--field =x") << 65;
    QTest::newRow("field named filename") << tus + args("--field filename=x.bin") << 65;
    QTest::newRow("field named filetype") << tus + args("--field filetype=text/plain") << 65;
    QTest::newRow("field twice") << tus + args("--field a=1 --field a=2") << 65;
}

void tst_CliTus::refused()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    const QByteArray rp = routePath();
    m_server.setTusRoute(rp, TusRoute());
    const QString src = writeSource("src.bin", 1024);
    QVERIFY(!src.isEmpty());
    arguments.replaceInStrings("@URL", m_server.url(rp).toString());
    arguments.replaceInStrings("@SRC", src);

    const Run run = this->run(store() + arguments);
    QVERIFY2(run.exitCode == exitCode, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(m_server.requestCount(rp), 0);
    QVERIFY(m_server.tusUploads(rp).isEmpty());
    // Nothing was kept for it either.
    QString error;
    const QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(all.isEmpty());
}

void tst_CliTus::cancelUnfinished_data()
{
    QTest::addColumn<int>("deleteStatus"); // 0: the server's own answer
    QTest::addColumn<bool>("expired");     // the server dropped the upload before the cancel
    QTest::addColumn<bool>("confirmed");
    QTest::newRow("deleted") << 0 << false << true;
    QTest::newRow("already expired") << 0 << true << true;
    QTest::newRow("server refuses") << 500 << false << false;
}

void tst_CliTus::cancelUnfinished()
{
    QFETCH(int, deleteStatus);
    QFETCH(bool, expired);
    QFETCH(bool, confirmed);
    const QByteArray rp = routePath();
    const qint64 stallAt = 256 * 1024;
    TusRoute route;
    Fault stall;
    stall.stallAfterBytes = stallAt;
    route.script.insert("PATCH", {stall});
    if (deleteStatus != 0)
        route.script.insert("DELETE", {statusFault(deleteStatus)});
    m_server.setTusRoute(rp, route);
    const qint64 size = 2 * MiB;
    const QString src = writeSource("src.bin", size, 9);
    QVERIFY(!src.isEmpty());
    const QByteArray sourceSha = fileSha256(src);
    QVERIFY(startAndKillAtStall(
            store() + tusUpload(src, rp, "c")
                    + QStringList{"-H", "X-Trace: kept-7", "-H", "Authorization: Bearer secret"},
            rp,
            stallAt));
    const TusUpload upload = m_server.tusUploads(rp).value(0);
    const QString uploadUrl = m_server.url(upload.path).toString(QUrl::FullyEncoded);

    // Unfinished, owned by nobody, and it knows where its upload is.
    QString error;
    QList<QJsonObject> all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().value("identifier").toString(), "c");
    QCOMPARE(all.first().value("kind").toString(), "upload");
    QCOMPARE(all.first().value("state").toString(), "queued");
    QCOMPARE(all.first().value("uploadUrl").toString(), uploadUrl);
    QCOMPARE(all.first().value("bytesTotal").toInteger(), size);
    QVERIFY(!all.first().contains("outcome"));

    if (expired)
        m_server.expireTusUploads(rp);
    const Run cancel = run(store() + args("cancel c"));
    QVERIFY2(cancel.exitCode == 0, qPrintable(describe(cancel)));
    if (confirmed) {
        QVERIFY2(stderrProblem(cancel).isEmpty(), qPrintable(describe(cancel)));
    } else {
        // Canceled here all the same; one line says the server may still have it.
        QVERIFY2(cancel.err.startsWith("bgtransfer: ") && cancel.err.count('\n') == 1
                         && cancel.err.contains(uploadUrl.toUtf8()),
                 qPrintable(describe(cancel)));
    }

    // One DELETE, to the upload, with the headers the store kept (never the credentials).
    QCOMPARE(m_server.tusRequestCount(rp, "DELETE"), 1);
    const QList<RequestRecord> toUpload = m_server.requests(upload.path);
    const auto del = std::find_if(toUpload.cbegin(), toUpload.cend(), [](const RequestRecord &r) {
        return r.method == "DELETE";
    });
    QVERIFY(del != toUpload.cend());
    QCOMPARE(del->path, upload.path);
    QCOMPARE(del->header("Tus-Resumable"), "1.0.0");
    QCOMPARE(del->header("X-Trace"), "kept-7");
    QCOMPARE(del->header("Authorization"), QByteArray());
    QCOMPARE(m_server.tusUploads(rp).value(0).terminated, deleteStatus == 0 && !expired);
    if (deleteStatus == 0 && !expired)
        QVERIFY(!QFileInfo::exists(upload.file));

    all = listJson(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(all.isEmpty());
    QCOMPARE(fileSha256(src), sourceSha); // the source is not the transfer's to delete
    const Run again = run(store() + args("cancel c"));
    QVERIFY2(again.exitCode == 65, qPrintable(describe(again)));
    QCOMPARE(m_server.tusRequestCount(rp, "DELETE"), 1);
}

void tst_CliTus::continueAfterKill_data()
{
    QTest::addColumn<bool>("viaResume"); // false: the same upload command again
    QTest::newRow("resume") << true;
    QTest::newRow("same command") << false;
}

void tst_CliTus::continueAfterKill()
{
    QFETCH(bool, viaResume);
    const QByteArray rp = routePath();
    const qint64 stallAt = MiB + 3;
    TusRoute route;
    Fault stall;
    stall.stallAfterBytes = stallAt;
    route.script.insert("PATCH", {stall});
    m_server.setTusRoute(rp, route);
    const qint64 size = 4 * MiB;
    const QString src = writeSource("src.bin", size, 13);
    QVERIFY(!src.isEmpty());
    const QStringList command
            = store() + args("--json") + tusUpload(src, rp, "k") + args("--chunk-size 2M");
    QVERIFY(startAndKillAtStall(command, rp, stallAt));

    const Run run = this->run(viaResume ? store() + args("--json resume") : command);
    QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
    QVERIFY2(stderrProblem(run).isEmpty(), qPrintable(describe(run)));
    const QList<TusUpload> uploads = m_server.tusUploads(rp);
    QCOMPARE(uploads.size(), 1);
    QCOMPARE(fileSha256(uploads.first().file), fileSha256(src));
    // Asked where the server stood, then went on from there (with the stored chunk size).
    QCOMPARE(m_server.tusRequestCount(rp, "POST"), 1);
    QCOMPARE(m_server.tusRequestCount(rp, "HEAD"), 1);
    const QList<ReceivedUpload> patches = m_server.uploads(rp);
    const QString chain = patchChainProblem(patches, size);
    QVERIFY2(chain.isEmpty(), qPrintable(chain));
    // The stalled one (1 MiB + 3 of its 2 MiB), then a whole chunk and the rest.
    QCOMPARE(patches.size(), 3);
    QCOMPARE(patches.at(1).header("Upload-Offset").toLongLong(), stallAt);
    QCOMPARE(patches.at(1).declaredLength, 2 * MiB);
    QCOMPARE(m_server.tusBytesReceived(rp), size); // nothing sent twice

    QString error;
    const QJsonObject o = parseObject(nonEmptyLines(run.out).value(0), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(o.value("identifier").toString(), "k");
    QCOMPARE(o.value("outcome").toString(), "success");
    QCOMPARE(o.value("httpStatus").toInt(), 204);
    QCOMPARE(o.value("bytes").toInteger(), size);
    QCOMPARE(o.value("resumedFrom").toInteger(), stallAt);
    QCOMPARE(o.value("uploadUrl").toString(),
             m_server.url(uploads.first().path).toString(QUrl::FullyEncoded));
}

QTEST_GUILESS_MAIN(tst_CliTus)
#include "tst_cli_tus.moc"
