// The free-space reserve and a full disk: a download that would leave less than the reserve free
// ends as Failed/DiskFull before it writes, or at the next checkpoint when its size was not
// announced; the partial data stays, and resume() continues from it once there is room.
// The write errors themselves (EFBIG, ENOSPC) need a real limit: tst_cli_diskfull runs bgtransfer
// under RLIMIT_FSIZE, and fullVolume() below runs on a small filesystem when one is given.

#include "downloadertest.h"

#include <QtCore/QStorageInfo>

#include <cerrno>
#include <cstring>

using namespace DownloaderTest;
using namespace FaultTest;
using Background::Downloader;
using Background::TransferStore;

namespace {

constexpr qint64 kMiB = 1024 * 1024;
constexpr qint64 kTiB = kMiB * kMiB;

// Bytes in the partial files beside `destination` (0 when there are none).
qint64 partialBytes(const QString &destination)
{
    qint64 sum = 0;
    const QStringList parts = partialFiles(destination);
    for (const QString &p : parts)
        sum += QFileInfo(p).size();
    return sum;
}

// The start offset of a "bytes=N-" request header; -1 when there is none.
qint64 rangeStart(const RequestRecord &request)
{
    const QByteArray range = request.header("Range");
    if (!range.startsWith("bytes=") || !range.endsWith('-'))
        return -1;
    return range.mid(6).chopped(1).toLongLong();
}

// More than the volume holding `dir` has free, whatever other processes do meanwhile.
qint64 impossibleReserve(const QString &dir)
{
    return QStorageInfo(dir).bytesAvailable() + kTiB;
}

} // namespace

class tst_DiskSpace : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void announcedSizeBeyondTheReserve();
    void unannouncedSizeStopsAtACheckpoint();
    void fullVolume();

private:
    std::optional<Background::TransferRow> storedRow(const QString &id);
};

std::optional<Background::TransferRow> tst_DiskSpace::storedRow(const QString &id)
{
    TransferStore store(h->storePath());
    if (!store.open())
        return std::nullopt;
    return store.find(id);
}

void tst_DiskSpace::announcedSizeBeyondTheReserve()
{
    const auto e = entity(3 * kMiB, 41);
    h->server.setRoute("/f", route(e));
    const QString id = QStringLiteral("reserve");
    {
        Background::SessionConfiguration config = h->config();
        const qint64 reserve = impossibleReserve(h->dest());
        config.setDiskSpaceReserve(reserve);
        Downloader dl(config);
        auto f = dl.networkResponse(h->request("/f"), id, h->dest());
        BG_AWAIT(f);
        const NetworkResponse r = f.result();
        QCOMPARE(r.outcome(), Outcome::Failed);
        QCOMPARE(r.error(), Error::DiskFull);
        QCOMPARE(r.httpStatus(), 200);
        const QString message = r.errorString();
        QVERIFY2(message.contains(QString::number(reserve)), qPrintable(message));
        QVERIFY2(message.contains(QString::number(e.size)), qPrintable(message)); // needed
        QVERIFY2(message.contains(QStorageInfo(h->dest()).rootPath()), qPrintable(message));
        // Refused before a body byte was written; not retried.
        QCOMPARE(r.bytes(), 0);
        QCOMPARE(partialBytes(h->dest()), 0);
        QVERIFY(!QFileInfo::exists(h->dest()));
        QCOMPARE(h->server.requestCount("/f"), 1);
        const auto kept = dl.transfer(id);
        QVERIFY(kept && kept->result);
        QCOMPARE(kept->result->error(), Error::DiskFull);
    }
    // With room, the kept result continues (from zero: nothing was written).
    Downloader dl(h->config());
    auto f = dl.resume(id);
    BG_AWAIT(f);
    QVERIFY2(f.result().isSuccess(), describe(f.result()));
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    QCOMPARE(partialFiles(h->dest()), QStringList());
    const QList<RequestRecord> requests = h->server.requests("/f");
    QCOMPARE(requests.size(), 2);
    QCOMPARE(rangeStart(requests.last()), -1);
}

// Without Content-Length the size is unknown up front; the first checkpoint finds the reserve
// out of reach. What was written stays, the stored offset covers it, and a resume asks for the
// rest only: first still without room (the 206 announces the total), then with room.
void tst_DiskSpace::unannouncedSizeStopsAtACheckpoint()
{
    const auto e = entity(4 * kMiB + 3, 43);
    Fault unannounced = throttled(kMiB);
    unannounced.omitContentLength = true;
    h->server.setRoute("/f", route(e, {unannounced}));
    const QString id = QStringLiteral("checkpoint");
    Background::SessionConfiguration full = h->config();
    const qint64 reserve = impossibleReserve(h->dest());
    full.setDiskSpaceReserve(reserve);

    qint64 kept = 0;
    {
        Downloader dl(full);
        auto f = dl.networkResponse(h->request("/f"), id, h->dest());
        BG_AWAIT(f);
        const NetworkResponse r = f.result();
        QCOMPARE(r.outcome(), Outcome::Failed);
        QCOMPARE(r.error(), Error::DiskFull);
        QVERIFY2(r.errorString().contains(QString::number(reserve)), qPrintable(r.errorString()));
        QVERIFY(!QFileInfo::exists(h->dest()));
        QCOMPARE(partialFiles(h->dest()).size(), 1);
        kept = partialBytes(h->dest());
        QVERIFY2(kept > 0 && kept < e.size, QByteArray::number(kept));
        QCOMPARE(r.bytes(), kept);
        QCOMPARE(h->server.requestCount("/f"), 1); // not retried
        const auto row = storedRow(id);
        QVERIFY(row);
        QCOMPARE(row->durableOffset, kept);

        // Still no room: the 206 announces the rest, which is refused before it is written.
        auto again = dl.resume(id);
        BG_AWAIT(again);
        QCOMPARE(again.result().error(), Error::DiskFull);
        QCOMPARE(h->server.requestCount("/f"), 2);
        QCOMPARE(rangeStart(h->server.requests("/f").last()), kept);
        QCOMPARE(h->server.requests("/f").last().status, 206);
        QCOMPARE(partialBytes(h->dest()), kept);
        QCOMPARE(again.result().bytes(), kept);
    }

    Downloader dl(h->config());
    auto f = dl.resume(id);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QVERIFY2(r.isSuccess(), describe(r));
    QCOMPARE(r.resumedFrom(), kept);
    QCOMPARE(fileSha256(h->dest()), FaultServer::contentSha256(e));
    QCOMPARE(partialFiles(h->dest()), QStringList());
    const QList<RequestRecord> requests = h->server.requests("/f");
    QCOMPARE(requests.size(), 3);
    QCOMPARE(rangeStart(requests.last()), kept);
    QCOMPARE(requests.last().status, 206);
}

// ENOSPC from a real filesystem. Opt-in, because it needs a small volume, e.g. as root:
//   mount -t tmpfs -o size=4m tmpfs /tmp/small
//   BACKGROUND_TEST_SMALL_VOLUME=/tmp/small ctest -R tst_diskspace
// With no reserve the free-space check lets the body through (its size is not announced), and
// the write that finds the volume full ends it.
void tst_DiskSpace::fullVolume()
{
    const QString volume = qEnvironmentVariable("BACKGROUND_TEST_SMALL_VOLUME");
    if (volume.isEmpty())
        QSKIP("Set BACKGROUND_TEST_SMALL_VOLUME to a directory on a small filesystem");
    QTemporaryDir dir(QDir(volume).filePath(QStringLiteral("dl-XXXXXX")));
    QVERIFY(dir.isValid());
    const qint64 free = QStorageInfo(dir.path()).bytesAvailable();
    QVERIFY2(free > 0 && free < 256 * kMiB, QByteArray::number(free));
    const auto e = entity(free + 4 * kMiB, 47);
    Fault unannounced;
    unannounced.omitContentLength = true;
    h->server.setRoute("/f", route(e, {}, unannounced));
    Background::SessionConfiguration config = h->config();
    config.setDiskSpaceReserve(0);
    Downloader dl(config);
    const QString dest = dir.filePath(QStringLiteral("big.bin"));
    auto f = dl.networkResponse(h->request("/f"), QStringLiteral("enospc"), dest);
    BG_AWAIT(f);
    const NetworkResponse r = f.result();
    QCOMPARE(r.outcome(), Outcome::Failed);
    QCOMPARE(r.error(), Error::DiskFull);
    QVERIFY2(r.errorString().contains(QString::fromLocal8Bit(std::strerror(ENOSPC))),
             qPrintable(r.errorString()));
    QVERIFY(!QFileInfo::exists(dest));
    const qint64 kept = partialBytes(dest);
    QVERIFY2(kept > 0 && kept <= free, QByteArray::number(kept));
    QCOMPARE(r.bytes(), kept);
    const auto row = storedRow(QStringLiteral("enospc"));
    QVERIFY(row);
    QCOMPARE(row->durableOffset, kept);
}

QTEST_GUILESS_MAIN(tst_DiskSpace)
#include "tst_diskspace.moc"
