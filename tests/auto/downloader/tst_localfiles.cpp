// What a download does on the local disk and with odd answers: file modes, a destination that
// cannot be written, the rate limit's path through the reply buffer, other 2xx statuses,
// credentials on a retry that starts again after a cross-origin redirect, and the maximum
// download size.

#include "downloadertest.h"

#include <QtCore/QFileInfo>

#if defined(Q_OS_UNIX)
#include <sys/stat.h>
#endif

using namespace DownloaderTest;
using namespace FaultTest;
using Background::Downloader;

class tst_LocalFiles : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void partialIsPrivateResultIsOrdinary();
    void unwritableDestinationFails();
    void rateLimitedDownloadIsComplete();
    void otherSuccessStatusKeepsTheBody();
    void retryAfterCrossOriginRedirectKeepsCredentialsAtHome();
    void maximumDownloadSize_data();
    void maximumDownloadSize();
};

namespace {
#if defined(Q_OS_UNIX)
int modeOf(const QString &path)
{
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}
#endif
} // namespace

void tst_LocalFiles::partialIsPrivateResultIsOrdinary()
{
#if !defined(Q_OS_UNIX)
    QSKIP("File modes are POSIX");
#else
    const mode_t previous = ::umask(022);
    const auto e = entity(512 * 1024);
    h->server.setRoute("/f", route(e, {}, throttled(256 * 1024)));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), QStringLiteral("modes"), h->dest());
    QTRY_VERIFY_WITH_TIMEOUT(partialFileHasData(h->dest()), kWaitMs);
    QCOMPARE(modeOf(partialFiles(h->dest()).constFirst()), 0600);
    BG_AWAIT(f);
    ::umask(previous);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(modeOf(h->dest()), 0644);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
#endif
}

void tst_LocalFiles::unwritableDestinationFails()
{
    const auto e = entity(64 * 1024);
    h->server.setRoute("/f", route(e));
    const QString dest = h->dir.filePath(QStringLiteral("missing-dir/file.bin"));
    Downloader dl(h->config());
    auto f = dl.networkResponse(h->request("/f"), QStringLiteral("nowhere"), dest);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), Outcome::Failed);
    QCOMPARE(r.error(), Error::LocalIoError);
    QVERIFY2(r.errorString().contains(QStringLiteral("missing-dir")), qPrintable(r.errorString()));
    QCOMPARE(h->server.requestCount("/f"), 0); // nothing is fetched that could not be kept
    QVERIFY(!QFileInfo::exists(QFileInfo(dest).absolutePath()));
}

// The reply may finish while the rate limit still holds data in its buffer: every byte must
// still reach the file (no timing is asserted).
void tst_LocalFiles::rateLimitedDownloadIsComplete()
{
    const auto e = entity(384 * 1024 + 7);
    h->server.setRoute("/f", route(e));
    Background::SessionConfiguration config = h->config(0);
    config.setMaximumRate(256 * 1024);
    Downloader dl(config);
    auto f = dl.networkResponse(h->request("/f"), QStringLiteral("slow"), h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(h->server.requestCount("/f"), 1);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
}

void tst_LocalFiles::otherSuccessStatusKeepsTheBody()
{
    Fault nonAuthoritative = statusFault(203);
    nonAuthoritative.errorBody = "a body from a cache";
    h->server.setRoute("/f", route(entity(1024), {}, nonAuthoritative));
    Downloader dl(h->config(0));
    auto f = dl.networkResponse(h->request("/f"), QStringLiteral("203"), h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(f.result().httpStatus(), 203);
    QCOMPARE(readFile(h->dest()), QByteArray("a body from a cache"));
}

void tst_LocalFiles::retryAfterCrossOriginRedirectKeepsCredentialsAtHome()
{
    FaultServer other;
    QVERIFY(other.listen());
    const auto e = entity(256 * 1024);
    other.setRoute("/b", route(e, {dropFault(40 * 1024)}));
    Fault toOther = statusFault(302);
    toOther.location = other.url("/b").toEncoded();
    h->server.setRoute("/a", route(e, {}, toOther));

    QNetworkRequest request = h->request("/a");
    request.setRawHeader("Authorization", "Bearer home-only");
    Downloader dl(h->config(2));
    auto f = dl.networkResponse(request, QStringLiteral("hop"), h->dest());
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));

    // The drop sends the retry back to the home origin, which gets the credentials again;
    // the other origin never does.
    const QList<RequestRecord> home = h->server.requests("/a");
    QCOMPARE(home.size(), 2);
    for (const RequestRecord &r : home)
        QCOMPARE(r.header("Authorization"), QByteArray("Bearer home-only"));
    const QList<RequestRecord> away = other.requests("/b");
    QCOMPARE(away.size(), 2);
    for (const RequestRecord &r : away)
        QCOMPARE(r.header("Authorization"), QByteArray());
    QCOMPARE(away.last().header("Range"), QByteArray("bytes=40960-"));
}

void tst_LocalFiles::maximumDownloadSize_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<bool>("announced"); // Content-Length sent
    QTest::addColumn<bool>("accepted");
    const qint64 mib = 1024 * 1024;
    QTest::newRow("announced, too large") << 8 * mib << mib << true << false;
    QTest::newRow("announced, exactly the limit") << mib << mib << true << true;
    QTest::newRow("not announced, too large") << 8 * mib << mib << false << false;
    QTest::newRow("not announced, below the limit") << mib - 1 << mib << false << true;
    QTest::newRow("no limit") << 8 * mib << qint64(0) << true << true;
}

void tst_LocalFiles::maximumDownloadSize()
{
    QFETCH(qint64, size);
    QFETCH(qint64, limit);
    QFETCH(bool, announced);
    QFETCH(bool, accepted);
    const auto e = entity(size);
    Fault fault = throttled(4 * 1024 * 1024);
    fault.omitContentLength = !announced;
    h->server.setRoute("/f", route(e, {}, fault));
    Background::SessionConfiguration config = h->config(0);
    config.setMaximumDownloadSize(limit);
    Downloader dl(config);
    auto f = dl.networkResponse(h->request("/f"), QStringLiteral("big"), h->dest());
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    if (accepted) {
        QVERIFY2(r.isSuccess(), describe(r));
        QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
        return;
    }
    QCOMPARE(r.outcome(), Outcome::Failed);
    QCOMPARE(r.error(), Error::TooLarge);
    QVERIFY2(r.errorString().contains(QString::number(limit)), qPrintable(r.errorString()));
    QVERIFY(!QFileInfo::exists(h->dest()));
    QVERIFY(partialFiles(h->dest()).isEmpty());
    QCOMPARE(h->server.requestCount("/f"), 1); // not retried
    // An announced size is refused before a byte is written; otherwise at most one read more.
    QVERIFY2(r.bytes() <= (announced ? 0 : limit), QByteArray::number(r.bytes()));
}

QTEST_GUILESS_MAIN(tst_LocalFiles)
#include "tst_localfiles.moc"
