// Decoding a stored row (RowCodec): values a corrupt or hostile store file could hold never
// become invalid enum values or negative sizes, and stored headers read back as written.

#include "transferrowcodec.h"

#include <QtTest/QTest>

using namespace Background;
using Info = TransferInfo;
using Res = NetworkResponse;

namespace {

// A finished download as finish() leaves it: 200, 1000 bytes, one Set-Cookie pair.
QVariantList finishedRow()
{
    QVariantList v(RowCodec::ColumnCount);
    v[RowCodec::Identifier] = QStringLiteral("job");
    v[RowCodec::Url] = QByteArrayLiteral("http://127.0.0.1:8080/file.bin");
    v[RowCodec::Destination] = QStringLiteral("/tmp/file.bin");
    v[RowCodec::PartialPath] = QStringLiteral("/tmp/.file.bin.part");
    v[RowCodec::RequestHeaders] = QByteArrayLiteral("Accept: */*\n");
    v[RowCodec::State] = int(Info::State::Finished);
    v[RowCodec::DurableOffset] = qint64(1000);
    v[RowCodec::Total] = qint64(1000);
    v[RowCodec::Attempts] = 2;
    v[RowCodec::CountedAttempts] = 1;
    v[RowCodec::ResumedFrom] = qint64(500);
    v[RowCodec::Outcome] = int(Res::Outcome::Success);
    v[RowCodec::HttpStatus] = 200;
    v[RowCodec::Error] = int(Res::Error::NoError);
    v[RowCodec::ErrorString] = QString();
    v[RowCodec::RetryAfter] = qint64(30);
    v[RowCodec::ResponseHeaders] = QByteArrayLiteral("Content-Type: text/plain\n");
    v[RowCodec::Bytes] = qint64(1000);
    v[RowCodec::Kind] = int(Info::Kind::Download);
    v[RowCodec::Priority] = 1;
    v[RowCodec::Paused] = 0;
    v[RowCodec::Seq] = qint64(7);
    v[RowCodec::NeedsCredentials] = 0;
    return v;
}

} // namespace

class tst_RowCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void soundRow();
    void corruptRow_data();
    void corruptRow();
    void clamped_data();
    void clamped();
    void headers_data();
    void headers();
    void legacyHeaders();
};

void tst_RowCodec::soundRow()
{
    const TransferRow r = RowCodec::rowFromValues(finishedRow());
    QCOMPARE(r.identifier, QStringLiteral("job"));
    QCOMPARE(r.state, Info::State::Finished);
    QCOMPARE(r.kind, Info::Kind::Download);
    QCOMPARE(r.durableOffset, 1000);
    QCOMPARE(r.resumedFrom, 500);
    QVERIFY(r.result);
    QCOMPARE(r.result->outcome(), Res::Outcome::Success);
    QCOMPARE(r.result->error(), Res::Error::NoError);
    QCOMPARE(r.result->httpStatus(), 200);
    QCOMPARE(r.result->retryAfterSeconds(), 30);
    QCOMPARE(r.result->bytes(), 1000);
    QCOMPARE(r.result->filePath(), QStringLiteral("/tmp/file.bin"));
}

void tst_RowCodec::corruptRow_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QString>("why");

    QTest::newRow("state past the enum") << int(RowCodec::State) << QVariant(6) << "state 6";
    QTest::newRow("negative state") << int(RowCodec::State) << QVariant(-1) << "state -1";
    QTest::newRow("state as text")
            << int(RowCodec::State) << QVariant(QStringLiteral("x")) << "state x";
    QTest::newRow("null state") << int(RowCodec::State) << QVariant() << "state ";
    QTest::newRow("kind past the enum") << int(RowCodec::Kind) << QVariant(2) << "kind 2";
    QTest::newRow("huge kind") << int(RowCodec::Kind) << QVariant(qint64(1) << 32)
                               << "kind 4294967296";
    QTest::newRow("outcome past the enum") << int(RowCodec::Outcome) << QVariant(4) << "outcome 4";
    QTest::newRow("error past the enum")
            << int(RowCodec::Error) << QVariant(int(Res::Error::DiskFull) + 1) << "error 21";
    QTest::newRow("negative error") << int(RowCodec::Error) << QVariant(-3) << "error -3";
}

void tst_RowCodec::corruptRow()
{
    QFETCH(int, column);
    QFETCH(QVariant, value);
    QFETCH(QString, why);

    QVariantList values = finishedRow();
    values[column] = value;
    const TransferRow r = RowCodec::rowFromValues(values);
    // Never run again: a kept failure that says what is wrong.
    QCOMPARE(r.state, Info::State::Finished);
    QVERIFY(r.kind == Info::Kind::Download || r.kind == Info::Kind::Upload);
    QVERIFY(r.result);
    QCOMPARE(r.result->outcome(), Res::Outcome::Failed);
    QCOMPARE(r.result->error(), Res::Error::StoreError);
    QVERIFY2(r.result->errorString().contains(QStringLiteral("corrupt (") + why),
             qPrintable(r.result->errorString()));
    QCOMPARE(r.result->filePath(), QString()); // no file to hand over
    QCOMPARE(r.identifier, QStringLiteral("job"));
}

void tst_RowCodec::clamped_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QVariant>("value");

    QTest::newRow("offset") << int(RowCodec::DurableOffset) << QVariant(qint64(-5));
    QTest::newRow("total") << int(RowCodec::Total) << QVariant(qint64(-7));
    QTest::newRow("resumed from") << int(RowCodec::ResumedFrom) << QVariant(qint64(-1));
    QTest::newRow("bytes") << int(RowCodec::Bytes) << QVariant(qint64(-100));
    QTest::newRow("attempts") << int(RowCodec::Attempts) << QVariant(-2);
    QTest::newRow("attempts past int") << int(RowCodec::Attempts) << QVariant(qint64(1) << 40);
    QTest::newRow("counted attempts") << int(RowCodec::CountedAttempts) << QVariant(-9);
    QTest::newRow("retry after") << int(RowCodec::RetryAfter) << QVariant(qint64(-30));
    QTest::newRow("retry after past int") << int(RowCodec::RetryAfter) << QVariant(qint64(1) << 33);
    QTest::newRow("priority") << int(RowCodec::Priority) << QVariant(9);
}

void tst_RowCodec::clamped()
{
    QFETCH(int, column);
    QFETCH(QVariant, value);

    QVariantList values = finishedRow();
    values[column] = value;
    const TransferRow r = RowCodec::rowFromValues(values);
    QCOMPARE(r.state, Info::State::Finished);
    QVERIFY(r.result);
    QCOMPARE(r.result->outcome(), Res::Outcome::Success); // the rest of the row still counts
    QVERIFY(r.durableOffset >= 0);
    QVERIFY(r.total >= -1);
    QVERIFY(r.resumedFrom >= 0);
    QVERIFY(r.attempts >= 0);
    QVERIFY(r.countedAttempts >= 0);
    QVERIFY(r.result->bytes() >= 0);
    QVERIFY(r.result->retryAfterSeconds() >= -1);
    QVERIFY(r.result->resumedFrom() >= 0);
    QVERIFY(r.priority >= Info::Priority::Low && r.priority <= Info::Priority::High);
}

void tst_RowCodec::headers_data()
{
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<HeaderList>("stored"); // what reads back

    const auto h = [](const char *name, const char *value) {
        return QPair<QByteArray, QByteArray>(name, value);
    };
    QTest::newRow("plain") << HeaderList{h("Accept", "*/*"), h("X-A", "")}
                           << HeaderList{h("Accept", "*/*"), h("X-A", "")};
    // Qt joins repeated Set-Cookie headers with a line break.
    QTest::newRow("two cookies")
            << HeaderList{h("Set-Cookie",
                            "a=1; Path=/\nb=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
                          h("Server", "x")}
            << HeaderList{
                       h("Set-Cookie", "a=1; Path=/\nb=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
                       h("Server", "x")};
    QTest::newRow("blank lines in a value")
            << HeaderList{h("X", "a\n\n  b")} << HeaderList{h("X", "a\n\n  b")};
    QTest::newRow("trimmed") << HeaderList{h("X", "  v \r")} << HeaderList{h("X", "v")};
    QTest::newRow("names that cannot be read back")
            << HeaderList{h("", "a"), h("A:B", "b"), h(" C", "c"), h("D\nE", "d"), h("F", "f")}
            << HeaderList{h("F", "f")};
}

void tst_RowCodec::headers()
{
    QFETCH(HeaderList, headers);
    QFETCH(HeaderList, stored);
    QCOMPARE(RowCodec::decodeHeaders(RowCodec::encodeHeaders(headers)), stored);
}

void tst_RowCodec::legacyHeaders()
{
    // Written by earlier versions: the same headers as always.
    const HeaderList expected = {{"Accept", "*/*"}, {"X-B", "2"}, {"Empty", ""}};
    QCOMPARE(RowCodec::decodeHeaders("Accept: */*\nX-B:  2 \nno colon\n: nameless\nEmpty:\n"),
             expected);
    QCOMPARE(RowCodec::encodeHeaders(expected), QByteArray("Accept: */*\nX-B: 2\nEmpty: \n"));
}

QTEST_APPLESS_MAIN(tst_RowCodec)
#include "tst_rowcodec.moc"
