// MultipartForm, the multipart/form-data framing around an upload's file: what it builds must
// parse, with the same parser the upload tests judge what servers received; names cannot break
// out of their quoted strings; the random boundary is a valid one that appears only where it
// delimits.

#include "multipart.h"
#include "testsupport.h"
#include "uploadbody.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <optional>

using Background::MultipartForm;
using Parts = QList<FaultTest::MultipartPart>;
using Pairs = QList<QPair<QString, QString>>;

namespace {

QString utf8(const char *text)
{
    return QString::fromUtf8(text);
}

} // namespace

class tst_MultipartForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void parses_data();
    void parses();
    void escapesNames_data();
    void escapesNames();
    void nonAsciiNames();
    void randomBoundary();

private:
    std::optional<Parts>
    parse(const MultipartForm &form, const QByteArray &fileBytes, QString *error);

    QTemporaryDir m_dir;
};

// The whole body as UploadBody would send it, written to a file for the streaming parser.
std::optional<Parts>
tst_MultipartForm::parse(const MultipartForm &form, const QByteArray &fileBytes, QString *error)
{
    const QString path = m_dir.filePath(QStringLiteral("form.bin"));
    if (!BackgroundTest::writeFile(path, form.head + fileBytes + form.tail)) {
        *error = QStringLiteral("cannot write ") + path;
        return std::nullopt;
    }
    return FaultTest::parseMultipartFile(path, form.boundary, error);
}

void tst_MultipartForm::parses_data()
{
    QTest::addColumn<Pairs>("fields");
    QTest::addColumn<QString>("fileField");
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("boundary");
    QTest::addColumn<QByteArray>("fileBytes");

    const QByteArray octets("application/octet-stream");
    QTest::newRow("file only") << Pairs() << QStringLiteral("file") << QStringLiteral("a.bin")
                               << QByteArray() << QByteArray() << QByteArray("payload");
    QTest::newRow("fields first") << Pairs{{QStringLiteral("title"), QStringLiteral("Holiday")},
                                           {QStringLiteral("album"), QStringLiteral("2026")}}
                                  << QStringLiteral("upload") << QStringLiteral("photo.jpg")
                                  << QByteArray("image/jpeg") << QByteArray()
                                  << QByteArray("\xff\xd8\xff\xe0", 4);
    QTest::newRow("empty field value")
            << Pairs{{QStringLiteral("empty"), QString()}} << QStringLiteral("file")
            << QStringLiteral("a.txt") << QByteArray("text/plain") << QByteArray()
            << QByteArray("text");
    QTest::newRow("multi-line UTF-8 value") << Pairs{{QStringLiteral("note"),
                                                      utf8("Gr\xc3\xbc\xc3\x9f"
                                                           "e\r\n\xe6\x97\xa5\xe6\x9c\xac")}}
                                            << QStringLiteral("file") << QStringLiteral("a.bin")
                                            << QByteArray() << QByteArray() << QByteArray("x");
    QTest::newRow("file that looks like multipart")
            << Pairs{{QStringLiteral("k"), QStringLiteral("--v--")}} << QStringLiteral("file")
            << QStringLiteral("form.txt") << QByteArray() << QByteArray()
            << QByteArray("--other\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n--\r\n");
    QTest::newRow("empty file") << Pairs() << QStringLiteral("file") << QStringLiteral("empty")
                                << QByteArray() << QByteArray() << QByteArray();
    QTest::newRow("given boundary") << Pairs{{QStringLiteral("a"), QStringLiteral("1")}}
                                    << QStringLiteral("file") << QStringLiteral("a.bin") << octets
                                    << QByteArray("my-boundary.1") << QByteArray("bytes");
}

void tst_MultipartForm::parses()
{
    QFETCH(Pairs, fields);
    QFETCH(QString, fileField);
    QFETCH(QString, fileName);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, boundary);
    QFETCH(QByteArray, fileBytes);

    const MultipartForm form
            = MultipartForm::build(fields, fileField, fileName, contentType, boundary);
    if (!boundary.isEmpty())
        QCOMPARE(form.boundary, boundary);
    QCOMPARE(FaultTest::boundaryFromContentType(form.contentType()), form.boundary);
    QVERIFY(form.contentType().startsWith("multipart/form-data;"));

    QString error;
    const auto parts = parse(form, fileBytes, &error);
    QVERIFY2(parts, qPrintable(error));
    QCOMPARE(parts->size(), fields.size() + 1);
    for (qsizetype i = 0; i < fields.size(); ++i) {
        const FaultTest::MultipartPart &part = parts->at(i);
        QCOMPARE(part.name, fields.at(i).first.toUtf8());
        QCOMPARE(part.smallContent, fields.at(i).second.toUtf8());
        QVERIFY(part.fileName.isEmpty());
    }
    const FaultTest::MultipartPart &file = parts->last();
    QCOMPARE(file.name, fileField.toUtf8());
    QCOMPARE(file.fileName, fileName.toUtf8());
    QCOMPARE(file.contentType,
             contentType.isEmpty() ? QByteArray("application/octet-stream") : contentType);
    QCOMPARE(file.size, qint64(fileBytes.size()));
    QCOMPARE(file.smallContent, fileBytes);
}

void tst_MultipartForm::escapesNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("escaped");

    QTest::newRow("plain") << QStringLiteral("a b;c") << QByteArray("a b;c");
    QTest::newRow("quote") << QStringLiteral("a\"b") << QByteArray("a%22b");
    QTest::newRow("CR") << QStringLiteral("a\rb") << QByteArray("a%0Db");
    QTest::newRow("LF") << QStringLiteral("a\nb") << QByteArray("a%0Ab");
    QTest::newRow("header injection")
            << QStringLiteral("x\"\r\nContent-Type: text/evil\r\n\r\n")
            << QByteArray("x%22%0D%0AContent-Type: text/evil%0D%0A%0D%0A");
}

void tst_MultipartForm::escapesNames()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, escaped);

    // The same text as field name, file field name and file name.
    const MultipartForm form = MultipartForm::build(
            {{name, QStringLiteral("v")}}, name, name, QByteArray("text/plain"), QByteArray());
    QVERIFY(form.head.contains("name=\"" + escaped + "\"\r\n"));
    QVERIFY(form.head.contains("name=\"" + escaped + "\"; filename=\"" + escaped + "\"\r\n"));

    QString error;
    const auto parts = parse(form, "data", &error);
    QVERIFY2(parts, qPrintable(error));
    QCOMPARE(parts->size(), 2);
    QCOMPARE(parts->at(0).name, escaped);
    QCOMPARE(parts->at(0).headers.size(), 1); // nothing smuggled in
    QCOMPARE(parts->at(0).smallContent, QByteArray("v"));
    QCOMPARE(parts->at(1).name, escaped);
    QCOMPARE(parts->at(1).fileName, escaped);
    QCOMPARE(parts->at(1).headers.size(), 2);
    QCOMPARE(parts->at(1).contentType, QByteArray("text/plain"));
    QCOMPARE(parts->at(1).smallContent, QByteArray("data"));
}

void tst_MultipartForm::nonAsciiNames()
{
    // Raw UTF-8 in the quoted strings, as browsers send it (RFC 7578 4.2), no filename*.
    const QString fileName = utf8("Gr\xc3\xbc\xc3\x9f"
                                  "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89.txt");
    const QString field = utf8("\xd0\xbf\xd0\xbe\xd0\xbb\xd0\xb5");
    const MultipartForm form = MultipartForm::build({{field, QStringLiteral("v")}},
                                                    QStringLiteral("file"),
                                                    fileName,
                                                    QByteArray(),
                                                    QByteArray());
    QVERIFY(form.head.contains("filename=\"" + fileName.toUtf8() + "\"\r\n"));
    QVERIFY(!form.head.contains("filename*"));

    QString error;
    const auto parts = parse(form, "data", &error);
    QVERIFY2(parts, qPrintable(error));
    QCOMPARE(parts->size(), 2);
    QCOMPARE(QString::fromUtf8(parts->at(0).name), field);
    QCOMPARE(QString::fromUtf8(parts->at(1).fileName), fileName);
}

void tst_MultipartForm::randomBoundary()
{
    // Values that contain dashes, CRLFs and the fixed start of our own boundaries.
    const Pairs fields{{QStringLiteral("a"), QStringLiteral("--\r\n--x--")},
                       {QStringLiteral("b"), QStringLiteral("----BackgroundFormBoundary")},
                       {QStringLiteral("c"), QString()}};
    // RFC 2046 5.1.1: 1 to 70 of these, not ending in a space.
    const QRegularExpression bchars(QStringLiteral("^[0-9A-Za-z'()+_,\\-./:=? ]{0,69}"
                                                   "[0-9A-Za-z'()+_,\\-./:=?]$"));
    QSet<QByteArray> seen;
    for (int i = 0; i < 20; ++i) {
        const MultipartForm form = MultipartForm::build(fields,
                                                        QStringLiteral("file"),
                                                        QStringLiteral("f.bin"),
                                                        QByteArray(),
                                                        QByteArray());
        const QByteArray &b = form.boundary;
        QVERIFY2(bchars.match(QString::fromLatin1(b)).hasMatch(), b.constData());
        seen.insert(b);
        QCOMPARE(form.contentType(), "multipart/form-data; boundary=" + b);

        // In the head only as delimiter lines, one per part; in the tail only as the close.
        QCOMPARE(form.head.count(b), fields.size() + 1);
        for (qsizetype at = form.head.indexOf(b); at >= 0; at = form.head.indexOf(b, at + 1)) {
            QVERIFY(at == 2 || form.head.mid(at - 4, 4) == "\r\n--");
            QCOMPARE(form.head.mid(at - 2, 2), QByteArray("--"));
            QCOMPARE(form.head.mid(at + b.size(), 2), QByteArray("\r\n"));
        }
        QVERIFY(form.head.startsWith("--" + b + "\r\n"));
        QCOMPARE(form.tail, "\r\n--" + b + "--\r\n");
    }
    QCOMPARE(seen.size(), 20);
}

QTEST_GUILESS_MAIN(tst_MultipartForm)

#include "tst_multipartform.moc"
