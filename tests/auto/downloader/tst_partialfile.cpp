// The partial file's running SHA-256: publish() checks an expected digest without reading the
// whole file again; after a restart only the bytes kept from before it are read back.

#include "fileops.h"
#include "partialfile.h"
#include "testsupport.h"
#include "transferstore.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QFuture>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace Background;
using namespace std::chrono_literals;

namespace {

constexpr qint64 KiB = 1024;

// `size` bytes of the content for `seed` from offset `from`, so that big files go in pieces.
QByteArray content(qint64 size, char seed, qint64 from = 0)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i) {
        const qint64 at = from + i;
        data[i] = char(seed + at * 31 + (at >> 9));
    }
    return data;
}

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

bool writeAll(PartialFile &partial, const QByteArray &data, qint64 chunk = 100 * KiB)
{
    for (qint64 at = 0; at < data.size(); at += chunk) {
        const qint64 n = qMin(chunk, data.size() - at);
        if (partial.write(data.constData() + at, n) != n)
            return false;
    }
    return true;
}

// A row whose partial data is trusted on this boot (a validator and this boot's checkpoint).
TransferRow resumableRow()
{
    TransferRow row;
    row.etag = "\"v1\"";
    row.checkpointBootId = FileOps::bootId();
    return row;
}

} // namespace

class tst_PartialFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_watchdog.start();
    }
    void cleanup() { m_watchdog.stop(); }

    void hashesWhileWriting_data();
    void hashesWhileWriting();
    void resumeReadsOnlyWhatWasThere();
    void truncateRehashesWhatIsKept();
    void mismatchDropsTheData();
    void syncsInBackground_data();
    void syncsInBackground();
    void bigWritesKeepTheContent_data();
    void bigWritesKeepTheContent();

private:
    QString partialPath() const { return m_dir->filePath(QStringLiteral(".f.part")); }
    QString destination() const { return m_dir->filePath(QStringLiteral("f.bin")); }

    std::unique_ptr<QTemporaryDir> m_dir;
    BackgroundTest::Watchdog m_watchdog{30s};
};

void tst_PartialFile::hashesWhileWriting_data()
{
    QTest::addColumn<bool>("hashing");
    QTest::addColumn<qint64>("readBack");
    const qint64 size = 3 * 1024 * KiB + 7;
    QTest::newRow("running hash") << true << qint64(0);
    // Without it (no digest was expected when the job began) the file is read once at the end.
    QTest::newRow("no running hash") << false << size;
}

void tst_PartialFile::hashesWhileWriting()
{
    QFETCH(bool, hashing);
    QFETCH(qint64, readBack);
    const QByteArray data = content(3 * 1024 * KiB + 7, 3);

    PartialFile partial(partialPath());
    partial.setHashing(hashing);
    qint64 offset = -1;
    QVERIFY(!partial.openForResume(TransferRow(), &offset));
    QCOMPARE(offset, 0);
    QVERIFY(writeAll(partial, data));
    const auto failure = partial.publish(destination(), sha256Hex(data));
    QVERIFY2(!failure, failure ? qPrintable(failure->message) : "");
    QCOMPARE(partial.bytesReadForHash(), readBack);
    QCOMPARE(BackgroundTest::fileSha256(destination()), sha256Hex(data));
}

void tst_PartialFile::resumeReadsOnlyWhatWasThere()
{
    const QByteArray data = content(2 * 1024 * KiB, 5);
    const qint64 before = 700 * KiB; // written by the process that died
    QVERIFY(BackgroundTest::writeFile(partialPath(), data.left(before)));

    PartialFile partial(partialPath());
    partial.setHashing(true);
    qint64 offset = -1;
    QVERIFY(!partial.openForResume(resumableRow(), &offset));
    QCOMPARE(offset, before);
    QCOMPARE(partial.bytesReadForHash(), before);

    QVERIFY(writeAll(partial, data.mid(before)));
    // A retry in the same process keeps the running hash: nothing more is read.
    QVERIFY(!partial.openForResume(resumableRow(), &offset));
    QCOMPARE(offset, data.size());
    const auto failure = partial.publish(destination(), sha256Hex(data));
    QVERIFY2(!failure, failure ? qPrintable(failure->message) : "");
    QCOMPARE(partial.bytesReadForHash(), before);
    QCOMPARE(BackgroundTest::fileSha256(destination()), sha256Hex(data));
}

void tst_PartialFile::truncateRehashesWhatIsKept()
{
    const QByteArray first = content(1024 * KiB, 7);
    const QByteArray second = content(600 * KiB, 9);
    PartialFile partial(partialPath());
    partial.setHashing(true);
    qint64 offset = -1;
    QVERIFY(!partial.openForResume(TransferRow(), &offset));
    QVERIFY(writeAll(partial, first));
    // The server's answer only fits the first 300 KiB (e.g. a 206 from there): keep them.
    QVERIFY(!partial.truncate(300 * KiB));
    QCOMPARE(partial.bytesReadForHash(), 300 * KiB);
    QVERIFY(writeAll(partial, second));
    const QByteArray expected = first.left(300 * KiB) + second;
    const auto failure = partial.publish(destination(), sha256Hex(expected));
    QVERIFY2(!failure, failure ? qPrintable(failure->message) : "");
    QCOMPARE(BackgroundTest::fileSha256(destination()), sha256Hex(expected));

    // A 200 starts over: nothing is read back at all.
    PartialFile again(m_dir->filePath(QStringLiteral(".g.part")));
    again.setHashing(true);
    QVERIFY(!again.openForResume(TransferRow(), &offset));
    QVERIFY(writeAll(again, first));
    QVERIFY(!again.truncate(0));
    QVERIFY(writeAll(again, second));
    QVERIFY(!again.publish(m_dir->filePath(QStringLiteral("g.bin")), sha256Hex(second)));
    QCOMPARE(again.bytesReadForHash(), 0);
}

void tst_PartialFile::mismatchDropsTheData()
{
    const QByteArray data = content(512 * KiB, 11);
    QVERIFY(BackgroundTest::writeFile(destination(), "old"));
    PartialFile partial(partialPath());
    partial.setHashing(true);
    qint64 offset = -1;
    QVERIFY(!partial.openForResume(TransferRow(), &offset));
    QVERIFY(writeAll(partial, data));
    const auto failure = partial.publish(destination(), sha256Hex(data + 'x'));
    QVERIFY(failure);
    QCOMPARE(failure->error, NetworkResponse::Error::IntegrityError);
    QVERIFY(!QFile::exists(partialPath()));
    QCOMPARE(BackgroundTest::readFile(destination()), QByteArray("old"));
}

void tst_PartialFile::syncsInBackground_data()
{
    QTest::addColumn<bool>("closeAndRemove");
    // This thread goes on writing while the worker fsyncs.
    QTest::newRow("file stays open") << false;
    // A job that ends (cancel, publish) does not wait for its background fsync.
    QTest::newRow("file closed and removed meanwhile") << true;
}

void tst_PartialFile::syncsInBackground()
{
    QFETCH(bool, closeAndRemove);
    const QByteArray data = content(2 * 1024 * KiB + 3, 13);
    const qint64 head = 1024 * KiB;

    PartialFile partial(partialPath());
    partial.setHashing(true);
    qint64 offset = -1;
    QVERIFY(!partial.openForResume(TransferRow(), &offset));
    QVERIFY(writeAll(partial, data.left(head)));
    QFuture<std::optional<PartialFile::Failure>> sync = partial.syncInBackground();
    if (closeAndRemove) {
        partial.remove();
        QVERIFY(!QFile::exists(partialPath()));
    } else {
        QVERIFY(writeAll(partial, data.mid(head)));
    }
    // Generous, yet with room for QTRY's report before the watchdog (30 s) fires.
    QTRY_VERIFY_WITH_TIMEOUT(sync.isFinished(), 7000);
    QCOMPARE(sync.resultCount(), 1);
    const std::optional<PartialFile::Failure> failure = sync.result();
    QVERIFY2(!failure, failure ? qPrintable(failure->message) : "");
    if (closeAndRemove)
        return;
    // The worker's handle was its own: the file is still open and whole.
    QVERIFY(partial.isOpen());
    const auto published = partial.publish(destination(), sha256Hex(data));
    QVERIFY2(!published, published ? qPrintable(published->message) : "");
    QCOMPARE(BackgroundTest::fileSha256(destination()), sha256Hex(data));
}

void tst_PartialFile::bigWritesKeepTheContent_data()
{
    QTest::addColumn<qint64>("start"); // bytes already in the file, kept by the resume
    QTest::newRow("from zero") << qint64(0);
    QTest::newRow("resumed at an odd offset") << 3 * 1024 * KiB + 5;
}

// More than two writeback slices, in 1 MiB writes: handing the bytes to the disk as they come
// must not change a byte of them, nor the running hash.
void tst_PartialFile::bigWritesKeepTheContent()
{
    QFETCH(qint64, start);
    constexpr qint64 MiB = 1024 * KiB;
    constexpr char seed = 17;
    const qint64 size = start + 18 * MiB + 7;
    QCryptographicHash expected(QCryptographicHash::Sha256);
    if (start > 0) {
        const QByteArray kept = content(start, seed);
        QVERIFY(BackgroundTest::writeFile(partialPath(), kept));
        expected.addData(kept);
    }

    PartialFile partial(partialPath());
    partial.setHashing(true);
    qint64 offset = -1;
    QVERIFY(!partial.openForResume(resumableRow(), &offset));
    QCOMPARE(offset, start);
    for (qint64 at = start; at < size; at += MiB) {
        const QByteArray block = content(qMin(MiB, size - at), seed, at);
        QCOMPARE(partial.write(block.constData(), block.size()), qint64(block.size()));
        expected.addData(block);
    }
    const auto failure = partial.publish(destination(), expected.result().toHex());
    QVERIFY2(!failure, failure ? qPrintable(failure->message) : "");
    QCOMPARE(partial.bytesReadForHash(), start);

    QFile file(destination());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.size(), size);
    for (qint64 at = 0; at < size; at += MiB) {
        const QByteArray block = file.read(MiB);
        QVERIFY2(block == content(qMin(MiB, size - at), seed, at),
                 qPrintable(QStringLiteral("the MiB at %1 differs").arg(at)));
    }
}

QTEST_GUILESS_MAIN(tst_PartialFile)
#include "tst_partialfile.moc"
