// The multipart/form-data parser tests use to judge what clients upload: a QHttpMultiPart sent
// by QNAM through FaultServer comes back part by part, byte for byte; broken framing is refused
// with a reason; parts are found whatever the read chunks cut through.

#include "multipart.h"
#include "uploadtest.h"

#include <QtCore/QCryptographicHash>
#include <QtNetwork/QHttpMultiPart>

using namespace UploadTest;

class tst_FaultServerMultipart : public Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void boundaryAcrossReads_data();
    void boundaryAcrossReads();
    void boundaryFromContentType_data();
    void boundaryFromContentType();

private:
    QString writeBody(const QByteArray &body);
};

QString tst_FaultServerMultipart::writeBody(const QByteArray &body)
{
    QFile file(tmp->filePath(QStringLiteral("body")));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(body) != body.size())
        return QString();
    return file.fileName();
}

void tst_FaultServerMultipart::roundTrip()
{
    server->setUploadRoute("/form", UploadRoute());
    const qint64 size = 300007;
    auto *multi = new QHttpMultiPart(QHttpMultiPart::FormDataType);
    QHttpPart title;
    title.setHeader(QNetworkRequest::ContentDispositionHeader,
                    QByteArray("form-data; name=\"title\""));
    title.setBody("hello world\r\n--not a boundary");
    QHttpPart empty;
    empty.setHeader(QNetworkRequest::ContentDispositionHeader,
                    QByteArray("form-data; name=\"empty\""));
    QHttpPart filePart;
    filePart.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/x-test"));
    filePart.setHeader(QNetworkRequest::ContentDispositionHeader,
                       QByteArray("form-data; name=\"file\"; filename=\"data bin.dat\""));
    auto *file = new QFile(writeSource(QStringLiteral("src"), size, 13), multi);
    QVERIFY(file->open(QIODevice::ReadOnly));
    filePart.setBodyDevice(file);
    multi->append(title);
    multi->append(empty);
    multi->append(filePart);
    QNetworkReply *reply = nam->post(request("/form"), multi);
    multi->setParent(reply);
    const Reply r = wait(reply);
    QCOMPARE(r.error, QNetworkReply::NoError);

    const ReceivedUpload u = server->uploads("/form").value(0);
    QVERIFY(u.complete);
    const QByteArray boundary = FaultTest::boundaryFromContentType(u.header("content-type"));
    QCOMPARE(boundary, multi->boundary());
    QString error;
    const auto parts = parseMultipartFile(u.bodyFile, boundary, &error);
    QVERIFY2(parts, qPrintable(error));
    QCOMPARE(parts->size(), 3);
    QCOMPARE(parts->at(0).name, QByteArray("title"));
    QCOMPARE(parts->at(0).smallContent, QByteArray("hello world\r\n--not a boundary"));
    QVERIFY(parts->at(0).fileName.isEmpty());
    QCOMPARE(parts->at(1).name, QByteArray("empty"));
    QCOMPARE(parts->at(1).size, 0);
    const MultipartPart &p = parts->at(2);
    QCOMPARE(p.name, QByteArray("file"));
    QCOMPARE(p.fileName, QByteArray("data bin.dat"));
    QCOMPARE(p.contentType, QByteArray("application/x-test"));
    QCOMPARE(p.size, size);
    QCOMPARE(p.sha256, prefixSha(13, size));
    QVERIFY(p.smallContent.isEmpty()); // above the 64 KiB limit
}

void tst_FaultServerMultipart::valid_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArrayList>("names");
    QTest::addColumn<QByteArrayList>("contents");
    QTest::newRow("plain") << QByteArray("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                                         "hello\r\n--B--\r\n")
                           << QByteArrayList{"a"} << QByteArrayList{"hello"};
    QTest::newRow("preamble, padding, epilogue")
            << QByteArray("ignored\r\n--B \t\r\nContent-Disposition: form-data; name=a\r\n"
                          "Content-Type: text/plain\r\n\r\nx\r\n--B\r\n"
                          "Content-Disposition: form-data; name=b\r\n\r\n\r\n--B-- \r\n"
                          "epilogue --B\r\n")
            << QByteArrayList{"a", "b"} << QByteArrayList{"x", ""};
    QTest::newRow("ends at the closing boundary")
            << QByteArray("--B\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n\r\n--B--")
            << QByteArrayList{"a"} << QByteArrayList{"\r\n"};
    QTest::newRow("quoted escapes")
            << QByteArray("--B\r\nContent-Disposition: form-data; name=\"x\\\"y;z\"\r\n\r\n"
                          "a\r\n-B--\r\n--B--\r\n")
            << QByteArrayList{"x\"y;z"} << QByteArrayList{"a\r\n-B--"};
}

void tst_FaultServerMultipart::valid()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArrayList, names);
    QFETCH(QByteArrayList, contents);
    QString error;
    const auto parts = parseMultipartFile(writeBody(body), "B", &error);
    QVERIFY2(parts, qPrintable(error));
    QCOMPARE(parts->size(), names.size());
    for (qsizetype i = 0; i < names.size(); ++i) {
        QCOMPARE(parts->at(i).name, names.at(i));
        QCOMPARE(parts->at(i).smallContent, contents.at(i));
        QCOMPARE(parts->at(i).size, contents.at(i).size());
        QCOMPARE(parts->at(i).sha256,
                 QCryptographicHash::hash(contents.at(i), QCryptographicHash::Sha256).toHex());
    }
}

void tst_FaultServerMultipart::invalid_data()
{
    const QByteArray head = "--B\r\nContent-Disposition: form-data; name=a\r\n\r\n";
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("no boundary line");
    QTest::newRow("no boundary") << QByteArray("hello") << QStringLiteral("no boundary line");
    QTest::newRow("no closing boundary") << head + "hello" << QStringLiteral("no closing boundary");
    QTest::newRow("cut after a boundary")
            << head + "hello\r\n--B" << QStringLiteral("does not end in CRLF");
    QTest::newRow("bare LF after boundary")
            << QByteArray("--B\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--B--")
            << QStringLiteral("does not end in CRLF");
    // RFC 2046: no line inside a part may start with the delimiter.
    QTest::newRow("junk after boundary") << head + "x\r\n--Bjunk\r\n"
                                         << QStringLiteral("does not end in CRLF");
    QTest::newRow("bare LF in headers")
            << QByteArray("--B\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\nx\r\n--B--")
            << QStringLiteral("bare LF");
    QTest::newRow("header without name")
            << QByteArray("--B\r\nContent-Disposition: form-data; name=a\r\nnonsense\r\n\r\n"
                          "x\r\n--B--")
            << QStringLiteral("without a name");
    QTest::newRow("folded header")
            << QByteArray("--B\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n--B--")
            << QStringLiteral("folded");
    QTest::newRow("headers cut off")
            << QByteArray("--B\r\nContent-Disposition: form-data; name=a\r\n")
            << QStringLiteral("cut off");
    QTest::newRow("no form-data") << QByteArray(
            "--B\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--B--")
                                  << QStringLiteral("form-data");
    QTest::newRow("no name") << QByteArray(
            "--B\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--B--")
                             << QStringLiteral("without a name");
    QTest::newRow("no headers") << QByteArray("--B\r\n\r\nx\r\n--B--")
                                << QStringLiteral("form-data");
    QTest::newRow("no parts") << QByteArray("--B--\r\n") << QStringLiteral("no parts");
    QTest::newRow("junk after closing")
            << head + "x\r\n--B--junk" << QStringLiteral("closing boundary is not followed");
}

void tst_FaultServerMultipart::invalid()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, reason);
    QString error;
    QVERIFY(!parseMultipartFile(writeBody(body), "B", &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void tst_FaultServerMultipart::boundaryAcrossReads_data()
{
    // The parser reads 64 KiB at a time; a CRLF is fed before the file.
    QTest::addColumn<qint64>("firstSize");
    QTest::newRow("small limit") << MultipartSmallContentLimit;
    QTest::newRow("small limit + 1") << MultipartSmallContentLimit + 1;
    for (int shift = -14; shift <= 2; shift += 2)
        QTest::addRow("delimiter at 64 KiB %+d", shift) << qint64(65536 + shift - 60);
}

void tst_FaultServerMultipart::boundaryAcrossReads()
{
    QFETCH(qint64, firstSize);
    const QByteArray boundary = "boundary_.oOo._Xyz";
    const QByteArray delimiter = "\r\n--" + boundary;
    // Content full of near-delimiters, one of them cut by every read boundary in turn.
    QByteArray first;
    while (first.size() < firstSize)
        first += delimiter.left(first.size() % delimiter.size()) + 'q';
    first.truncate(firstSize);
    const QByteArray second = QByteArray(3 * 65536 + 7, 'z') + delimiter.chopped(1);
    const QByteArray part = "Content-Disposition: form-data; name=p\r\n\r\n";
    const QByteArray body = "--" + boundary + "\r\n" + part + first + delimiter + "\r\n" + part
                            + second + delimiter + "--\r\n";
    QString error;
    const auto parts = parseMultipartFile(writeBody(body), boundary, &error);
    QVERIFY2(parts, qPrintable(error));
    QCOMPARE(parts->size(), 2);
    QCOMPARE(parts->at(0).size, first.size());
    QCOMPARE(parts->at(0).sha256,
             QCryptographicHash::hash(first, QCryptographicHash::Sha256).toHex());
    QCOMPARE(parts->at(0).smallContent,
             first.size() <= MultipartSmallContentLimit ? first : QByteArray());
    QCOMPARE(parts->at(1).size, second.size());
    QCOMPARE(parts->at(1).sha256,
             QCryptographicHash::hash(second, QCryptographicHash::Sha256).toHex());
}

void tst_FaultServerMultipart::boundaryFromContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("boundary");
    QTest::newRow("quoted") << QByteArray("multipart/form-data; boundary=\"a b;c\"")
                            << QByteArray("a b;c");
    QTest::newRow("token, other parameters")
            << QByteArray("Multipart/Form-Data; charset=utf-8; BOUNDARY=xyz ") << QByteArray("xyz");
    QTest::newRow("not multipart") << QByteArray("text/plain; boundary=x") << QByteArray();
    QTest::newRow("none") << QByteArray("multipart/mixed") << QByteArray();
}

void tst_FaultServerMultipart::boundaryFromContentType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, boundary);
    QCOMPARE(FaultTest::boundaryFromContentType(contentType), boundary);
}

QTEST_GUILESS_MAIN(tst_FaultServerMultipart)

#include "tst_faultserver_multipart.moc"
