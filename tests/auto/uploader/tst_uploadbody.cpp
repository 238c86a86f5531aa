// UploadBody, the random-access device an upload's body is read from. Bodies are checked
// against concatenations the test builds itself, the rate limit against a lower bound on time
// only, and the whole body once more end to end through QNetworkAccessManager to FaultServer.
// MultipartForm, the framing around the file: tst_multipartform.cpp.

#include "faultserver.h"
#include "testsupport.h"
#include "uploadbody.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <chrono>
#include <memory>

using Background::UploadBody;

namespace {

// One piece of a body: bytes, or a range of the source file.
struct Piece
{
    QByteArray bytes;
    qint64 offset = -1;
    qint64 length = 0;
    bool isRange = false;
};
using Layout = QList<Piece>;

Piece bytes(const char *text)
{
    return {QByteArray(text), -1, 0, false};
}

Piece range(qint64 offset, qint64 length)
{
    return {QByteArray(), offset, length, true};
}

constexpr qint64 kFileSize = 10007; // odd, so chunked reads straddle piece ends
constexpr quint32 kSeed = 7;

// uploadbody.cpp lets a rate-limited body start with a burst of at most a tenth of a second's
// worth; the lower bounds on time below allow for that much.
qint64 maxBurst(qint64 rate)
{
    return qMax<qint64>(1, rate / 10);
}

} // namespace

Q_DECLARE_METATYPE(Piece)

class tst_UploadBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init() { m_watchdog.start(); }
    void cleanup() { m_watchdog.stop(); }

    void readAll_data();
    void readAll();
    void readInSmallChunks_data();
    void readInSmallChunks();
    void seekThenRead_data();
    void seekThenRead();
    void seekOutOfRange();
    void notRewindable();
    void atEndAndBytesAvailable();

    void openFailsPastEndOfFile_data();
    void openFailsPastEndOfFile();
    void openFailsWithoutFile();
    void writeIsRefused();

    void rateLimitWaitsForReadyRead();
    void rateLimitTakesTime_data();
    void rateLimitTakesTime();
    void rateLimitedBodyOverHttp();

private:
    std::unique_ptr<UploadBody> makeBody(const Layout &layout) const;
    QByteArray expected(const Layout &layout) const;
    Layout mixedLayout() const;

    QTemporaryDir m_dir;
    QString m_source;
    QByteArray m_content; // the source file's bytes (small enough to keep for comparing)
    BackgroundTest::Watchdog m_watchdog{std::chrono::seconds(40)};
};

void tst_UploadBody::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_source = m_dir.filePath(QStringLiteral("source.bin"));
    m_content = QByteArray(kFileSize, Qt::Uninitialized);
    FaultTest::FaultServer::fillContent(kSeed, 0, m_content.data(), kFileSize);
    QVERIFY(BackgroundTest::writeFile(m_source, m_content));
}

std::unique_ptr<UploadBody> tst_UploadBody::makeBody(const Layout &layout) const
{
    auto body = std::make_unique<UploadBody>(m_source);
    for (const Piece &piece : layout) {
        if (piece.isRange)
            body->appendFileRange(piece.offset, piece.length);
        else
            body->appendBytes(piece.bytes);
    }
    return body;
}

QByteArray tst_UploadBody::expected(const Layout &layout) const
{
    QByteArray out;
    for (const Piece &piece : layout)
        out += piece.isRange ? m_content.mid(piece.offset, qMax<qint64>(0, piece.length))
                             : piece.bytes;
    return out;
}

Layout tst_UploadBody::mixedLayout() const
{
    return {bytes("--head--\r\n"),
            range(0, 1000),
            bytes("|"),
            range(4321, 3000),
            bytes(""),
            range(kFileSize - 17, 17),
            bytes("\r\n--tail--\r\n")};
}

void tst_UploadBody::readAll_data()
{
    QTest::addColumn<Layout>("layout");

    QTest::newRow("nothing") << Layout();
    QTest::newRow("bytes only") << Layout{bytes("hello"), bytes(", "), bytes("world")};
    QTest::newRow("whole file") << Layout{range(0, kFileSize)};
    QTest::newRow("bytes, file, bytes")
            << Layout{bytes("HEAD\r\n"), range(0, kFileSize), bytes("\r\nTAIL")};
    QTest::newRow("several ranges, out of order")
            << Layout{range(200, 50), range(0, 100), range(100, 100), range(0, 100)};
    QTest::newRow("ranges inside the file")
            << Layout{range(1234, 4321), range(kFileSize - 1, 1), range(1, 1)};
    QTest::newRow("range up to the end") << Layout{range(kFileSize - 500, 500)};
    QTest::newRow("empty pieces ignored")
            << Layout{bytes(""), range(5, 0), bytes("x"), range(7, -3), range(10, 20), bytes("")};
    QTest::newRow("mixed") << mixedLayout();
}

void tst_UploadBody::readAll()
{
    QFETCH(Layout, layout);
    const QByteArray want = expected(layout);
    const auto body = makeBody(layout);

    QCOMPARE(body->size(), qint64(want.size())); // known before open(): the Content-Length
    QVERIFY2(body->open(QIODevice::ReadOnly), qPrintable(body->fileErrorString()));
    QCOMPARE(body->size(), qint64(want.size()));
    QVERIFY(!body->isSequential());
    QCOMPARE(body->readAll(), want);
    QVERIFY(body->atEnd());
    QCOMPARE(body->pos(), qint64(want.size()));
    QVERIFY(body->read(1).isEmpty());
}

void tst_UploadBody::readInSmallChunks_data()
{
    QTest::addColumn<int>("chunk");
    for (const int chunk : {1, 2, 3, 7, 17, 999, 4099, 100000})
        QTest::addRow("%d", chunk) << chunk;
}

void tst_UploadBody::readInSmallChunks()
{
    QFETCH(int, chunk);
    const Layout layout = mixedLayout();
    const auto body = makeBody(layout);
    QVERIFY(body->open(QIODevice::ReadOnly));

    QByteArray got;
    QByteArray buffer(chunk, Qt::Uninitialized);
    for (int reads = 0; !body->atEnd(); ++reads) {
        QVERIFY2(reads <= body->size(), "reading does not progress");
        const qint64 n = body->read(buffer.data(), chunk);
        QVERIFY2(n > 0,
                 qPrintable(QStringLiteral("read returned %1 at %2").arg(n).arg(got.size())));
        QVERIFY(n <= chunk);
        got.append(buffer.constData(), n);
    }
    QCOMPARE(got, expected(layout));
}

void tst_UploadBody::seekThenRead_data()
{
    QTest::addColumn<qint64>("position");

    // Positions in mixedLayout(): 10 bytes of head, 1000 of file, "|", 3000 of file, ...
    QTest::newRow("start") << qint64(0);
    QTest::newRow("inside the head") << qint64(3);
    QTest::newRow("first byte of the file") << qint64(10);
    QTest::newRow("inside the first range") << qint64(517);
    QTest::newRow("the separator byte") << qint64(1010);
    QTest::newRow("inside the second range") << qint64(2500);
    QTest::newRow("inside the tail") << qint64(10 + 1000 + 1 + 3000 + 17 + 5);
    QTest::newRow("last byte") << qint64(expected(mixedLayout()).size() - 1);
    QTest::newRow("end") << qint64(expected(mixedLayout()).size());
}

void tst_UploadBody::seekThenRead()
{
    QFETCH(qint64, position);
    const QByteArray want = expected(mixedLayout());
    const auto body = makeBody(mixedLayout());
    QVERIFY(body->open(QIODevice::ReadOnly));

    // Seek forwards, from the middle, and back again after everything was read.
    QVERIFY(body->seek(position));
    QCOMPARE(body->pos(), position);
    QCOMPARE(body->readAll(), want.mid(position));
    QVERIFY(body->seek(want.size() / 2));
    QCOMPARE(body->read(100), want.mid(want.size() / 2, 100));
    QVERIFY(body->seek(position));
    QCOMPARE(body->readAll(), want.mid(position));
    QVERIFY(body->reset()); // what QNetworkAccessManager does to send a body again
    QCOMPARE(body->readAll(), want);
}

void tst_UploadBody::seekOutOfRange()
{
    const auto body = makeBody(mixedLayout());
    QVERIFY(body->open(QIODevice::ReadOnly));
    QVERIFY(body->seek(100));
    QVERIFY(!body->seek(-1));
    QVERIFY(!body->seek(body->size() + 1));
    QCOMPARE(body->pos(), qint64(100)); // a refused seek leaves the position alone
    QCOMPARE(body->read(5), expected(mixedLayout()).mid(100, 5));
}

// A tus PATCH body: Qt may not go back and send it again once bytes went out.
void tst_UploadBody::notRewindable()
{
    const auto body = makeBody(mixedLayout());
    body->setRewindable(false);
    QVERIFY(body->open(QIODevice::ReadOnly));
    QVERIFY(body->seek(0)); // nothing read yet: Qt's own start-up seek is fine
    QCOMPARE(body->read(10), expected(mixedLayout()).left(10));
    QVERIFY(!body->seek(0));
    QVERIFY(!body->reset());
    QVERIFY(!body->seek(5));
    QVERIFY(body->seek(10)); // staying put or going forward is not a resend
    QVERIFY(body->seek(20));
    QCOMPARE(body->read(5), expected(mixedLayout()).mid(20, 5));

    const auto rewindable = makeBody(mixedLayout());
    QVERIFY(rewindable->open(QIODevice::ReadOnly));
    QCOMPARE(rewindable->read(10).size(), 10);
    QVERIFY(rewindable->seek(0));
    QCOMPARE(rewindable->read(10), expected(mixedLayout()).left(10));
}

void tst_UploadBody::atEndAndBytesAvailable()
{
    const auto body = makeBody({bytes("abc"), range(0, 10)});
    QVERIFY(body->open(QIODevice::ReadOnly));
    QVERIFY(!body->atEnd());
    QCOMPARE(body->bytesAvailable(), qint64(13));
    QCOMPARE(body->read(4), QByteArray("abc") + m_content.left(1));
    QVERIFY(!body->atEnd());
    QCOMPARE(body->bytesAvailable(), qint64(9));
    QCOMPARE(body->read(100).size(), 9);
    QVERIFY(body->atEnd());
    QCOMPARE(body->bytesAvailable(), qint64(0));
    QVERIFY(body->seek(12));
    QVERIFY(!body->atEnd());
    QCOMPARE(body->bytesAvailable(), qint64(1));

    const auto empty = makeBody({});
    QVERIFY(empty->open(QIODevice::ReadOnly));
    QVERIFY(empty->atEnd());
    QCOMPARE(empty->bytesAvailable(), qint64(0));
}

void tst_UploadBody::openFailsPastEndOfFile_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<bool>("opens");

    QTest::newRow("whole file") << qint64(0) << kFileSize << true;
    QTest::newRow("up to the last byte") << kFileSize - 10 << qint64(10) << true;
    QTest::newRow("one byte past the end") << kFileSize - 10 << qint64(11) << false;
    QTest::newRow("one byte more than the file") << qint64(0) << kFileSize + 1 << false;
    QTest::newRow("starting at the end") << kFileSize << qint64(1) << false;
    QTest::newRow("starting beyond the end") << kFileSize + 100 << qint64(5) << false;
    QTest::newRow("negative offset") << qint64(-1) << qint64(5) << false;
    QTest::newRow("negative offset, empty") << qint64(-10) << qint64(0) << false;
}

void tst_UploadBody::openFailsPastEndOfFile()
{
    QFETCH(qint64, offset);
    QFETCH(qint64, length);
    QFETCH(bool, opens);

    // A good range first, so that only the bad one can make open() fail.
    const auto body = makeBody({bytes("head"), range(0, 10), range(offset, length)});
    QCOMPARE(body->open(QIODevice::ReadOnly), opens);
    QCOMPARE(body->isOpen(), opens);
    if (opens)
        QCOMPARE(body->readAll(), expected({bytes("head"), range(0, 10), range(offset, length)}));
}

void tst_UploadBody::openFailsWithoutFile()
{
    UploadBody body(m_dir.filePath(QStringLiteral("no-such-file.bin")));
    body.appendBytes("head");
    body.appendFileRange(0, 1);
    QVERIFY(!body.open(QIODevice::ReadOnly));
    QVERIFY(!body.isOpen());
    QVERIFY(!body.fileErrorString().isEmpty());

    // Only bytes, yet the file is still the body's source and must be there.
    UploadBody bytesOnly(m_dir.filePath(QStringLiteral("no-such-file.bin")));
    bytesOnly.appendBytes("head");
    QVERIFY(!bytesOnly.open(QIODevice::ReadOnly));
}

void tst_UploadBody::writeIsRefused()
{
    {
        const auto body = makeBody({bytes("abc")});
        QVERIFY(!body->open(QIODevice::WriteOnly));
        QVERIFY(!body->open(QIODevice::ReadWrite));
        QVERIFY(!body->isOpen());
    }
    const auto body = makeBody({bytes("abc"), range(0, 10)});
    QVERIFY(body->open(QIODevice::ReadOnly));
    QVERIFY(!body->isWritable());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("write")));
    QCOMPARE(body->write("xyz"), qint64(-1));
    QCOMPARE(BackgroundTest::readFile(m_source), m_content);
    QCOMPARE(body->readAll(), QByteArray("abc") + m_content.left(10));
}

void tst_UploadBody::rateLimitWaitsForReadyRead()
{
    constexpr qint64 rate = 2000; // bytes per second
    const Layout layout{range(0, 2000)};
    const auto body = makeBody(layout);
    body->setMaximumRate(rate);
    QVERIFY(body->open(QIODevice::ReadOnly));
    QSignalSpy readyRead(body.get(), &QIODevice::readyRead);

    // The first read gets the burst; reading on spends what trickles in, until nothing is left.
    QByteArray got;
    QByteArray buffer(4096, Qt::Uninitialized);
    qint64 n = body->read(buffer.data(), buffer.size());
    QVERIFY(n > 0);
    got.append(buffer.constData(), n);
    for (int i = 0; n > 0; ++i) {
        QVERIFY2(i < 1000, "the budget never ran out");
        n = body->read(buffer.data(), buffer.size());
        QVERIFY(n >= 0);
        got.append(buffer.constData(), n);
    }
    QVERIFY(got.size() < 2000);
    QVERIFY(!body->atEnd()); // not the end, only a pause

    // readyRead() says when to ask again, and reading goes on until the end.
    QVERIFY(readyRead.wait(5000));
    n = body->read(buffer.data(), buffer.size());
    QVERIFY(n > 0);
    got.append(buffer.constData(), n);
    while (!body->atEnd()) {
        n = body->read(buffer.data(), buffer.size());
        QVERIFY(n >= 0);
        if (n == 0)
            QVERIFY(readyRead.wait(5000));
        got.append(buffer.constData(), n);
    }
    QCOMPARE(got, expected(layout));
}

void tst_UploadBody::rateLimitTakesTime_data()
{
    QTest::addColumn<qint64>("rate");
    QTest::addColumn<qint64>("size");

    QTest::newRow("4000 B/s") << qint64(4000) << qint64(2400);
    QTest::newRow("40000 B/s") << qint64(40000) << qint64(kFileSize + 14000);
}

void tst_UploadBody::rateLimitTakesTime()
{
    QFETCH(qint64, rate);
    QFETCH(qint64, size);
    Layout layout;
    for (qint64 left = size; left > 0; left -= kFileSize)
        layout.append(range(0, qMin(left, kFileSize)));
    const auto body = makeBody(layout);
    body->setMaximumRate(rate);
    QSignalSpy readyRead(body.get(), &QIODevice::readyRead);

    QElapsedTimer clock;
    clock.start();
    QVERIFY(body->open(QIODevice::ReadOnly));
    QByteArray got;
    QByteArray buffer(64 * 1024, Qt::Uninitialized);
    while (!body->atEnd()) {
        const qint64 n = body->read(buffer.data(), buffer.size());
        QVERIFY(n >= 0);
        if (n == 0)
            QVERIFY(readyRead.wait(5000));
        got.append(buffer.constData(), n);
    }
    const qint64 elapsed = clock.elapsed();
    QCOMPARE(got, expected(layout));
    // A lower bound only: at most the burst may go out at once, the rest at `rate`.
    const qint64 atLeastMs = (size - maxBurst(rate)) * 1000 / rate;
    QVERIFY2(elapsed >= atLeastMs,
             qPrintable(QStringLiteral("%1 bytes at %2 B/s took %3 ms, expected at least %4 ms")
                                .arg(size)
                                .arg(rate)
                                .arg(elapsed)
                                .arg(atLeastMs)));
}

void tst_UploadBody::rateLimitedBodyOverHttp()
{
    // Qt must take a read of 0 as "wait for readyRead()", not as the end of the body.
    FaultTest::FaultServer server;
    QVERIFY(server.listen());
    server.setUploadRoute("/u", FaultTest::UploadRoute());

    Layout layout = mixedLayout();
    layout << range(0, kFileSize) << bytes("between") << range(0, kFileSize);
    const QByteArray want = expected(layout);
    constexpr qint64 rate = 16 * 1024;
    const auto body = makeBody(layout);
    body->setMaximumRate(rate);
    QElapsedTimer clock; // started before the body's own clock, which open() starts
    clock.start();
    QVERIFY(body->open(QIODevice::ReadOnly));
    QSignalSpy refills(body.get(), &QIODevice::readyRead); // only after a read that got nothing

    QNetworkAccessManager network;
    QNetworkRequest request(server.url("/u"));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-test"));
    request.setHeader(QNetworkRequest::ContentLengthHeader, body->size());
    std::unique_ptr<QNetworkReply> reply(network.sendCustomRequest(request, "PUT", body.get()));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(30000));
    const qint64 elapsed = clock.elapsed();

    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
    const QList<FaultTest::ReceivedUpload> uploads = server.uploads("/u");
    QCOMPARE(uploads.size(), 1);
    QCOMPARE(uploads.at(0).method, QByteArray("PUT"));
    QCOMPARE(uploads.at(0).declaredLength, qint64(want.size()));
    QCOMPARE(uploads.at(0).bytesReceived, qint64(want.size()));
    QVERIFY(uploads.at(0).complete);
    QCOMPARE(uploads.at(0).sha256,
             QCryptographicHash::hash(want, QCryptographicHash::Sha256).toHex());
    // The limit paused the body, and held on the way (lower bound only).
    QVERIFY(!refills.isEmpty());
    QVERIFY2(elapsed >= (want.size() - maxBurst(rate)) * 1000 / rate,
             qPrintable(QString::number(elapsed)));
}

QTEST_GUILESS_MAIN(tst_UploadBody)

#include "tst_uploadbody.moc"
