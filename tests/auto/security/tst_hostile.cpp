// What a hostile or broken server sends is refused with a clear error, without retrying and
// without writing or reserving anything: absurd or contradictory sizes, too many or too large
// header fields. And where the library writes a file whose name can be learnt in advance, a
// symbolic link or FIFO planted there is never written through.

#include "downloadertest.h"

#include "uploader.h"
#include "uploadjob.h"

#include <QtCore/QRegularExpression>

#if defined(Q_OS_UNIX)
#include <sys/stat.h>
#include <sys/types.h>
#endif

using namespace DownloaderTest;
using Background::Downloader;
using Background::Uploader;
using FaultTest::Fault;
using FaultTest::FaultServer;

using Headers = QList<QPair<QByteArray, QByteArray>>;

class tst_Hostile : public Fixture
{
    Q_OBJECT
private Q_SLOTS:
    void hostileHead_data();
    void hostileHead();
    void hostileUploadAnswer();
    void plantedPartialFile_data();
    void plantedPartialFile();
    void plantedResponseBodyFile();
    void hugeUploadAnswer();

private:
    enum class Plant { LinkToFile, DanglingLink, Fifo };
    // Puts a link or FIFO at `at`; `victim` is what a write through it would change.
    static bool plant(Plant kind, const QString &at, const QString &victim);
    // The row's partial_path as any reader of the store sees it; empty if there is no row.
    QString storedPartialPath(const QString &identifier) const
    {
        Background::TransferStore store(h->storePath());
        const auto row = store.open() ? store.find(identifier) : std::nullopt;
        return row ? row->partialPath : QString();
    }
};

Q_DECLARE_METATYPE(Headers)

void tst_Hostile::hostileHead_data()
{
    QTest::addColumn<bool>("omitContentLength");
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<Error>("error");
    QTest::addColumn<QString>("reason"); // a part of the error string

    QTest::newRow("absurd Content-Length")
            << true << Headers{{"Content-Length", "1000000000000000000"}} << Error::TooLarge
            << QStringLiteral("more than the whole volume");
    QTest::newRow("Content-Length past 64 bits")
            << true << Headers{{"Content-Length", "99999999999999999999999"}}
            << Error::ProtocolError << QStringLiteral("Content-Length");
    QTest::newRow("negative Content-Length")
            << true << Headers{{"Content-Length", "-5"}} << Error::ProtocolError
            << QStringLiteral("Content-Length");
    QTest::newRow("Content-Length with a sign")
            << true << Headers{{"Content-Length", "+1048576"}} << Error::ProtocolError
            << QStringLiteral("Content-Length");
    QTest::newRow("two Content-Lengths")
            << false << Headers{{"Content-Length", "5"}} << Error::ProtocolError
            << QStringLiteral("contradictory Content-Length");
    // Under Qt's own limits (100 fields), over ours (64 KiB in all).
    Headers large;
    for (int i = 0; i < 80; ++i)
        large.append({"X-Large-" + QByteArray::number(i), QByteArray(1000, 'b')});
    QTest::newRow("80 KiB of header fields")
            << false << large << Error::ProtocolError << QStringLiteral("more than the 65536");
    // Past Qt 6.4's limits, which then drops every field and carries on.
    Headers many;
    for (int i = 0; i < 1000; ++i)
        many.append({"X-Field-" + QByteArray::number(i), "v"});
    QTest::newRow("1000 header fields")
            << false << many << Error::ProtocolError << QStringLiteral("no header fields");
    QTest::newRow("one 1 MiB header field")
            << false << Headers{{"X-Big", QByteArray(1024 * 1024, 'a')}} << Error::ProtocolError
            << QStringLiteral("no header fields");
}

void tst_Hostile::hostileHead()
{
    QFETCH(bool, omitContentLength);
    QFETCH(Headers, headers);
    QFETCH(Error, error);
    QFETCH(QString, reason);
    const auto e = entity(1024 * 1024);
    Fault fault;
    fault.omitContentLength = omitContentLength;
    fault.extraHeaders = headers;
    h->server.setRoute("/f", route(e, {}, fault));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), QStringLiteral("hostile"), h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), Outcome::Failed);
    QCOMPARE(r.error(), error);
    QVERIFY2(r.errorString().contains(reason), qPrintable(r.errorString()));
    QVERIFY(!QFileInfo::exists(h->dest()));
    // Nothing written, nothing reserved (the library never preallocates).
    for (const QString &part : partialFiles(h->dest()))
        QCOMPARE(QFileInfo(part).size(), 0);
    QCOMPARE(h->server.requestCount("/f"), 1); // a server that lies once will lie again
}

void tst_Hostile::hostileUploadAnswer()
{
    FaultTest::UploadRoute upload;
    for (int i = 0; i < 1000; ++i)
        upload.responseHeaders.append({"X-Field-" + QByteArray::number(i), "v"});
    h->server.setUploadRoute("/u", upload);
    const QString src = h->source(64 * 1024);
    QVERIFY(!src.isEmpty());
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/u"), src, QStringLiteral("up"));
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), Outcome::Failed);
    QCOMPARE(r.error(), Error::ProtocolError);
    QCOMPARE(h->server.uploads("/u").size(), 1);
}

bool tst_Hostile::plant(Plant kind, const QString &at, const QString &victim)
{
    switch (kind) {
    case Plant::LinkToFile:
        return writeFile(victim, "precious") && QFile::link(victim, at);
    case Plant::DanglingLink:
        return QFile::link(victim, at);
    case Plant::Fifo:
#if defined(Q_OS_UNIX)
        return ::mkfifo(QFile::encodeName(at).constData(), 0600) == 0;
#else
        return false;
#endif
    }
    return false;
}

void tst_Hostile::plantedPartialFile_data()
{
    QTest::addColumn<int>("kind");
    QTest::newRow("link to an existing file") << int(Plant::LinkToFile);
    QTest::newRow("dangling link") << int(Plant::DanglingLink);
#if defined(Q_OS_UNIX)
    QTest::newRow("fifo") << int(Plant::Fifo);
#endif
}

void tst_Hostile::plantedPartialFile()
{
    QFETCH(int, kind);
    const auto e = entity(256 * 1024);
    h->server.setRoute("/f", route(e));
    const QString victim = h->path(QStringLiteral("victim"));
    Downloader dl(h->config());
    const QString id = QStringLiteral("planted");
    auto f = dl.networkResponse(h->request("/f"), id, h->dest());
    // The transfer is a row now and starts on the next turn of the event loop: the partial
    // file's name is known, as to anyone who can read the store, and nothing is open yet.
    const QString partialPath = storedPartialPath(id);
    QVERIFY(!partialPath.isEmpty());
    QVERIFY(!QFileInfo::exists(partialPath));
    QVERIFY(plant(Plant(kind), partialPath, victim));
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), Outcome::Failed);
    QCOMPARE(r.error(), Error::LocalIoError);
    QVERIFY2(r.errorString().contains(QStringLiteral("symbolic link"))
                     || r.errorString().contains(QStringLiteral("not a regular file")),
             qPrintable(r.errorString()));
    if (Plant(kind) == Plant::LinkToFile)
        QCOMPARE(readFile(victim), QByteArray("precious"));
    else
        QVERIFY(!QFileInfo::exists(victim));
    QVERIFY(!QFileInfo::exists(h->dest()));
}

void tst_Hostile::plantedResponseBodyFile()
{
    // An answer past the 1 MiB kept in the store goes to a file beside it, named after the
    // identifier.
    FaultTest::UploadRoute upload;
    upload.successStatus = 200;
    upload.generatedResponseBytes = 3 * 1024 * 1024;
    h->server.setUploadRoute("/u", upload);
    const QString src = h->source(64 * 1024);
    QVERIFY(!src.isEmpty());
    const QString id = QStringLiteral("answer");
    const QString victim = h->path(QStringLiteral("victim"));
    Uploader up(h->config());
    auto f = up.networkResponse(h->request("/u"), src, id);
    const QString bodyPath = storedPartialPath(id); // where the answer would go
    QVERIFY(!bodyPath.isEmpty());
    // Planted once the request body arrives: each attempt first clears the old answer.
    bool planted = false;
    QObject::connect(&h->server, &FaultServer::uploadProgress, &h->server, [&] {
        if (!planted)
            planted = QDir().mkpath(QFileInfo(bodyPath).absolutePath())
                      && plant(Plant::LinkToFile, bodyPath, victim);
    });
    BG_AWAIT(f);
    QVERIFY(planted);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r)); // the upload itself went through
    QCOMPARE(readFile(victim), QByteArray("precious"));
    QCOMPARE(r.body().size(), 1024 * 1024); // what fits in the store is kept
}

void tst_Hostile::hugeUploadAnswer()
{
    // An answer past what is kept (1 MiB in the store, 64 MiB in all) is read to the end and
    // the rest dropped: the upload still succeeds, and the disk does not fill.
    FaultTest::UploadRoute upload;
    upload.successStatus = 200;
    upload.generatedResponseBytes = Background::UploadJob::KeptFileLimit + 3 * 1024 * 1024;
    h->server.setUploadRoute("/u", upload);
    const QString src = h->source(4096);
    QVERIFY(!src.isEmpty());
    Uploader up(h->config());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("rest is not kept")));
    auto f = up.networkResponse(h->request("/u"), src, QStringLiteral("huge answer"));
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r));
    QCOMPARE(r.body().size(), 1024 * 1024);
    QVERIFY(!r.bodyFilePath().isEmpty());
    QCOMPARE(QFileInfo(r.bodyFilePath()).size(), Background::UploadJob::KeptFileLimit);
}

QTEST_GUILESS_MAIN(tst_Hostile)
#include "tst_hostile.moc"
