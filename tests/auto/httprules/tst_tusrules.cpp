// The tus 1.0 rules are pure functions, so every case is a row in a table: statuses, offsets,
// Upload-Metadata, the upload URL, extension lists, Upload-Checksum, chunk lengths and which
// UploadOptions can make a tus upload.

#include "tusrules.h"

#include <QtCore/QCryptographicHash>
#include <QtTest/QTest>

#include <initializer_list>

using Background::UploadOptions;
using Background::Tus::Reply;
using Pairs = QList<QPair<QString, QString>>;

Q_DECLARE_METATYPE(Background::Tus::Reply)
Q_DECLARE_METATYPE(Background::UploadOptions)

namespace Background::Tus {
// Found by QCOMPARE through argument-dependent lookup, for readable failure messages.
char *toString(Reply reply)
{
    switch (reply) {
    case Reply::Ok:
        return qstrdup("Ok");
    case Reply::Conflict:
        return qstrdup("Conflict");
    case Reply::Gone:
        return qstrdup("Gone");
    case Reply::Locked:
        return qstrdup("Locked");
    case Reply::ChecksumMismatch:
        return qstrdup("ChecksumMismatch");
    case Reply::Other:
        return qstrdup("Other");
    }
    return qstrdup("?");
}
} // namespace Background::Tus

namespace {

QString utf8(const char *text)
{
    return QString::fromUtf8(text);
}

UploadOptions tusOptions()
{
    UploadOptions o;
    o.protocol = UploadOptions::Protocol::Tus;
    return o;
}

} // namespace

class tst_TusRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void classify_data();
    void classify();

    void parseOffset_data();
    void parseOffset();

    void isValidMetadataKey_data();
    void isValidMetadataKey();
    void encodeMetadata_data();
    void encodeMetadata();
    void metadataRoundTrip_data();
    void metadataRoundTrip();
    void decodeMetadata_data();
    void decodeMetadata();

    void uploadUrl_data();
    void uploadUrl();

    void listsToken_data();
    void listsToken();

    void sha1ChecksumHeader_data();
    void sha1ChecksumHeader();
    void sha1ChecksumHeaderKnownVector();

    void nextChunkLength_data();
    void nextChunkLength();

    void checkOptions_data();
    void checkOptions();
};

void tst_TusRules::classify_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<Reply>("expected");

    const auto add = [](Reply reply, std::initializer_list<int> statuses) {
        for (const int status : statuses)
            QTest::addRow("%d", status) << status << reply;
    };
    add(Reply::Ok, {200, 201, 204, 206, 299});
    add(Reply::Conflict, {409});
    add(Reply::Gone, {404, 410});
    add(Reply::Locked, {423});
    add(Reply::ChecksumMismatch, {460});
    // Everything else, the tus-specific 412, 413 and 415 too, is for the outcome table.
    add(Reply::Other, {-1,  0,   100, 199, 300, 301, 304, 308, 400, 401, 403, 405, 408,
                       412, 413, 415, 422, 429, 459, 461, 500, 502, 503, 504, 600});
}

void tst_TusRules::classify()
{
    QFETCH(int, status);
    QFETCH(Reply, expected);
    QCOMPARE(Background::Tus::classify(status), expected);
}

void tst_TusRules::parseOffset_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("expected");

    QTest::newRow("zero") << QByteArray("0") << true << qint64(0);
    QTest::newRow("plain") << QByteArray("42") << true << qint64(42);
    QTest::newRow("blanks around") << QByteArray(" 42 ") << true << qint64(42);
    QTest::newRow("tab and CRLF around") << QByteArray("\t42\r\n") << true << qint64(42);
    QTest::newRow("leading zeros") << QByteArray("007") << true << qint64(7);
    QTest::newRow("18 digits") << QByteArray("999999999999999999") << true
                               << qint64(999999999999999999LL);
    QTest::newRow("large file") << QByteArray("5368709120") << true << qint64(5368709120LL);

    QTest::newRow("empty") << QByteArray() << false << qint64(0);
    QTest::newRow("blanks only") << QByteArray("   ") << false << qint64(0);
    QTest::newRow("negative") << QByteArray("-1") << false << qint64(0);
    QTest::newRow("plus sign") << QByteArray("+1") << false << qint64(0);
    QTest::newRow("exponent") << QByteArray("1e3") << false << qint64(0);
    QTest::newRow("trailing letter") << QByteArray("12a") << false << qint64(0);
    QTest::newRow("leading letter") << QByteArray("a12") << false << qint64(0);
    QTest::newRow("hex") << QByteArray("0x10") << false << qint64(0);
    QTest::newRow("decimal point") << QByteArray("1.0") << false << qint64(0);
    QTest::newRow("inner blank") << QByteArray("1 2") << false << qint64(0);
    QTest::newRow("two values") << QByteArray("1,2") << false << qint64(0);
    // Beyond 18 digits a value could overflow qint64; no real upload is that large.
    QTest::newRow("19 digits") << QByteArray("1000000000000000000") << false << qint64(0);
    QTest::newRow("qint64 max + 1") << QByteArray("9223372036854775808") << false << qint64(0);
    QTest::newRow("20 digits") << QByteArray("99999999999999999999") << false << qint64(0);
    QTest::newRow("arabic-indic digits") << QByteArray("\xd9\xa1\xd9\xa2") << false << qint64(0);
}

void tst_TusRules::parseOffset()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    QFETCH(qint64, expected);

    const std::optional<qint64> offset = Background::Tus::parseOffset(value);
    QCOMPARE(offset.has_value(), valid);
    if (valid)
        QCOMPARE(*offset, expected);
}

void tst_TusRules::isValidMetadataKey_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("valid");

    QTest::newRow("filename") << QStringLiteral("filename") << true;
    QTest::newRow("punctuation") << QStringLiteral("x-y_z.1:2") << true;
    QTest::newRow("first printable") << QStringLiteral("!") << true;
    QTest::newRow("last printable") << QStringLiteral("~") << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("space") << QStringLiteral("my key") << false;
    QTest::newRow("comma") << QStringLiteral("a,b") << false;
    QTest::newRow("tab") << QStringLiteral("a\tb") << false;
    QTest::newRow("newline") << QStringLiteral("a\nb") << false;
    QTest::newRow("DEL") << QStringLiteral("a\x7f") << false;
    QTest::newRow("latin-1") << utf8("caf\xc3\xa9") << false;
    QTest::newRow("cyrillic") << utf8("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87") << false;
}

void tst_TusRules::isValidMetadataKey()
{
    QFETCH(QString, key);
    QFETCH(bool, valid);
    QCOMPARE(Background::Tus::isValidMetadataKey(key), valid);
}

void tst_TusRules::encodeMetadata_data()
{
    QTest::addColumn<Pairs>("pairs");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("none") << Pairs() << QByteArray();
    // The example of the tus specification.
    QTest::newRow("spec example") << Pairs{{QStringLiteral("filename"),
                                            QStringLiteral("world_domination_plan.pdf")}}
                                  << QByteArray("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==");
    QTest::newRow("empty value is the key alone")
            << Pairs{{QStringLiteral("is_confidential"), QString()}}
            << QByteArray("is_confidential");
    QTest::newRow("several pairs, in order")
            << Pairs{{QStringLiteral("b"), QStringLiteral("v")},
                     {QStringLiteral("flag"), QString()},
                     {QStringLiteral("a"), QStringLiteral("a b,c")}}
            << QByteArray("b dg==,flag,a YSBiLGM=");
    QTest::newRow("UTF-8 value") << Pairs{{QStringLiteral("name"),
                                           utf8("Gr\xc3\xbc\xc3\x9f"
                                                "e, \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89")}}
                                 << QByteArray("name R3LDvMOfZSwg5pel5pysIPCfjok=");
    QTest::newRow("invalid keys left out")
            << Pairs{{QStringLiteral("bad key"), QStringLiteral("x")},
                     {QStringLiteral("good"), QStringLiteral("v")},
                     {QString(), QStringLiteral("x")},
                     {QStringLiteral("a,b"), QStringLiteral("x")},
                     {utf8("caf\xc3\xa9"), QStringLiteral("x")}}
            << QByteArray("good dg==");
    QTest::newRow("only invalid keys")
            << Pairs{{QStringLiteral("bad key"), QStringLiteral("x")}} << QByteArray();
}

void tst_TusRules::encodeMetadata()
{
    QFETCH(Pairs, pairs);
    QFETCH(QByteArray, expected);
    QCOMPARE(Background::Tus::encodeMetadata(pairs), expected);
}

void tst_TusRules::metadataRoundTrip_data()
{
    QTest::addColumn<Pairs>("pairs");

    QTest::newRow("none") << Pairs();
    QTest::newRow("one") << Pairs{{QStringLiteral("filename"), QStringLiteral("a.bin")}};
    QTest::newRow("empty value") << Pairs{{QStringLiteral("flag"), QString()}};
    QTest::newRow("empty values around one") << Pairs{{QStringLiteral("x"), QString()},
                                                      {QStringLiteral("y"), QStringLiteral("1")},
                                                      {QStringLiteral("z"), QString()}};
    QTest::newRow("UTF-8") << Pairs{
            {QStringLiteral("filename"),
             utf8("\xd0\xbe\xd1\x82\xd1\x87\xd1\x91\xd1\x82 \xe6\x97\xa5\xe6\x9c\xac"
                  " \xf0\x9f\x8e\x89.pdf")}};
    QTest::newRow("separators in values")
            << Pairs{{QStringLiteral("a"), QStringLiteral("x, y z")},
                     {QStringLiteral("b"), QStringLiteral("line\r\nbreak")},
                     {QStringLiteral("c"), QStringLiteral("==,==")}};
    QTest::newRow("several") << Pairs{{QStringLiteral("filename"), QStringLiteral("f.txt")},
                                      {QStringLiteral("filetype"), QStringLiteral("text/plain")},
                                      {QStringLiteral("owner"), QStringLiteral("me")},
                                      {QStringLiteral("tag"), QStringLiteral("1")}};
}

void tst_TusRules::metadataRoundTrip()
{
    QFETCH(Pairs, pairs);
    const QByteArray header = Background::Tus::encodeMetadata(pairs);
    const auto decoded = Background::Tus::decodeMetadata(header);
    QVERIFY2(decoded.has_value(), header.constData());
    QCOMPARE(*decoded, pairs);
}

void tst_TusRules::decodeMetadata_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<Pairs>("expected");

    QTest::newRow("empty") << QByteArray() << true << Pairs();
    QTest::newRow("blanks") << QByteArray("  ") << true << Pairs();
    QTest::newRow("spec example")
            << QByteArray("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential") << true
            << Pairs{{QStringLiteral("filename"), QStringLiteral("world_domination_plan.pdf")},
                     {QStringLiteral("is_confidential"), QString()}};
    QTest::newRow("blanks around pairs")
            << QByteArray("  a dg== ,  b  ") << true
            << Pairs{{QStringLiteral("a"), QStringLiteral("v")}, {QStringLiteral("b"), QString()}};

    const Pairs none;
    QTest::newRow("bad base64") << QByteArray("a !!!!") << false << none;
    QTest::newRow("base64url alphabet") << QByteArray("a -_-_") << false << none;
    QTest::newRow("base64 with a stray character") << QByteArray("a dg*=") << false << none;
    QTest::newRow("key with space") << QByteArray("my key dg==") << false << none;
    QTest::newRow("two spaces") << QByteArray("a  dg==") << false << none;
    QTest::newRow("two values") << QByteArray("a dg== dg==") << false << none;
    QTest::newRow("tab instead of space") << QByteArray("a\tdg==") << false << none;
    QTest::newRow("non-ASCII key") << QByteArray("caf\xc3\xa9 dg==") << false << none;
    QTest::newRow("empty pair") << QByteArray("a dg==,,b dg==") << false << none;
    QTest::newRow("trailing comma") << QByteArray("a dg==,") << false << none;
    QTest::newRow("leading comma") << QByteArray(",a dg==") << false << none;
    QTest::newRow("value without key") << QByteArray(" dg==,") << false << none;
}

void tst_TusRules::decodeMetadata()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, valid);
    QFETCH(Pairs, expected);

    const auto decoded = Background::Tus::decodeMetadata(header);
    QCOMPARE(decoded.has_value(), valid);
    if (valid)
        QCOMPARE(*decoded, expected);
}

void tst_TusRules::uploadUrl_data()
{
    QTest::addColumn<QUrl>("endpoint");
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QUrl>("expected"); // empty: refused

    const QUrl http(QStringLiteral("http://tus.example:1080/files/"));
    const QUrl https(QStringLiteral("https://tus.example/api/files"));
    const auto url = [](const char *text) { return QUrl(QString::fromLatin1(text)); };

    QTest::newRow("absolute") << http << QByteArray("http://tus.example:1080/files/abc")
                              << url("http://tus.example:1080/files/abc");
    QTest::newRow("absolute path")
            << http << QByteArray("/files/abc") << url("http://tus.example:1080/files/abc");
    QTest::newRow("relative path")
            << http << QByteArray("abc") << url("http://tus.example:1080/files/abc");
    QTest::newRow("relative with ..")
            << https << QByteArray("../uploads/abc") << url("https://tus.example/uploads/abc");
    QTest::newRow("relative to a path without slash")
            << https << QByteArray("abc") << url("https://tus.example/api/abc");
    QTest::newRow("blanks around")
            << http << QByteArray("  /files/abc \r\n") << url("http://tus.example:1080/files/abc");
    QTest::newRow("other host") << http << QByteArray("http://storage.example/u/1")
                                << url("http://storage.example/u/1");
    QTest::newRow("http to https") << http << QByteArray("https://tus.example/files/abc")
                                   << url("https://tus.example/files/abc");
    QTest::newRow("https stays https") << https << QByteArray("https://tus.example/api/files/1")
                                       << url("https://tus.example/api/files/1");
    QTest::newRow("scheme-relative keeps https")
            << https << QByteArray("//cdn.example/u/1") << url("https://cdn.example/u/1");

    QTest::newRow("https to http")
            << https << QByteArray("http://tus.example/api/files/1") << QUrl();
    QTest::newRow("ftp") << http << QByteArray("ftp://tus.example/files/abc") << QUrl();
    QTest::newRow("file") << http << QByteArray("file:///etc/passwd") << QUrl();
    QTest::newRow("empty") << http << QByteArray() << QUrl();
    QTest::newRow("blank") << http << QByteArray("   ") << QUrl();
    QTest::newRow("http without host") << http << QByteArray("http://") << QUrl();
}

void tst_TusRules::uploadUrl()
{
    QFETCH(QUrl, endpoint);
    QFETCH(QByteArray, location);
    QFETCH(QUrl, expected);

    const std::optional<QUrl> target = Background::Tus::uploadUrl(endpoint, location);
    QCOMPARE(target.has_value(), !expected.isEmpty());
    if (target)
        QCOMPARE(*target, expected);
}

void tst_TusRules::listsToken_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("listed");

    QTest::newRow("only") << QByteArray("creation") << QByteArray("creation") << true;
    QTest::newRow("first") << QByteArray("creation,termination") << QByteArray("creation") << true;
    QTest::newRow("last") << QByteArray("creation,termination") << QByteArray("termination")
                          << true;
    QTest::newRow("case") << QByteArray("Creation,TERMINATION") << QByteArray("termination")
                          << true;
    QTest::newRow("case of the token") << QByteArray("sha1") << QByteArray("SHA1") << true;
    QTest::newRow("blanks") << QByteArray(" creation ,\tchecksum\t, expiration ")
                            << QByteArray("checksum") << true;
    QTest::newRow("algorithms") << QByteArray("md5,sha1,sha256") << QByteArray("sha1") << true;

    QTest::newRow("empty header") << QByteArray() << QByteArray("creation") << false;
    QTest::newRow("absent") << QByteArray("creation,termination") << QByteArray("checksum")
                            << false;
    QTest::newRow("longer token in header")
            << QByteArray("creation,checksum-trailer") << QByteArray("checksum") << false;
    QTest::newRow("creation-with-upload")
            << QByteArray("creation-with-upload") << QByteArray("creation") << false;
    QTest::newRow("prefix of a token") << QByteArray("sha") << QByteArray("sha1") << false;
    QTest::newRow("sha256 is not sha1") << QByteArray("sha256") << QByteArray("sha1") << false;
    QTest::newRow("space-separated")
            << QByteArray("creation termination") << QByteArray("creation") << false;
    QTest::newRow("inside a token") << QByteArray("xcreationx") << QByteArray("creation") << false;
}

void tst_TusRules::listsToken()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, token);
    QFETCH(bool, listed);
    QCOMPARE(Background::Tus::listsToken(header, token), listed);
}

void tst_TusRules::sha1ChecksumHeader_data()
{
    QTest::addColumn<QByteArray>("data");

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("abc") << QByteArray("abc");
    QTest::newRow("binary") << QByteArray("\x00\xff\x01\xfe\r\n", 6);
    QTest::newRow("64 KiB") << QByteArray(64 * 1024, 'x');
}

void tst_TusRules::sha1ChecksumHeader()
{
    QFETCH(QByteArray, data);
    const QByteArray digest = QCryptographicHash::hash(data, QCryptographicHash::Sha1);
    const QByteArray header = Background::Tus::sha1ChecksumHeader(digest);

    // "sha1 " and the standard base64 (with padding) of the 20-byte digest.
    QVERIFY2(header.startsWith("sha1 "), header.constData());
    QCOMPARE(header.size(), 5 + 28);
    const auto decoded = QByteArray::fromBase64Encoding(header.mid(5),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    QVERIFY(decoded);
    QCOMPARE(*decoded, digest);
}

void tst_TusRules::sha1ChecksumHeaderKnownVector()
{
    // FIPS 180 test vectors, base64 of the digests; "abc"'s has a '+' to catch base64url.
    const auto header = [](const QByteArray &data) {
        return Background::Tus::sha1ChecksumHeader(
                QCryptographicHash::hash(data, QCryptographicHash::Sha1));
    };
    QCOMPARE(header("abc"), QByteArray("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0="));
    QCOMPARE(header(QByteArray()), QByteArray("sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk="));
}

void tst_TusRules::nextChunkLength_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<qint64>("chunkSize");
    QTest::addColumn<qint64>("expected");

    constexpr qint64 MiB = 1024 * 1024;
    QTest::newRow("no chunking: everything")
            << qint64(0) << qint64(100) << qint64(0) << qint64(100);
    QTest::newRow("no chunking: the remainder")
            << qint64(30) << qint64(100) << qint64(0) << qint64(70);
    QTest::newRow("negative chunk: no chunking")
            << qint64(10) << qint64(100) << qint64(-5) << qint64(90);
    QTest::newRow("first chunk") << qint64(0) << qint64(100) << qint64(30) << qint64(30);
    QTest::newRow("middle chunk") << qint64(30) << qint64(100) << qint64(30) << qint64(30);
    QTest::newRow("last, shorter chunk") << qint64(90) << qint64(100) << qint64(30) << qint64(10);
    QTest::newRow("chunk equals remainder")
            << qint64(70) << qint64(100) << qint64(30) << qint64(30);
    QTest::newRow("chunk larger than the file")
            << qint64(0) << qint64(100) << qint64(1000) << qint64(100);
    QTest::newRow("one-byte chunks") << qint64(5) << qint64(100) << qint64(1) << qint64(1);
    QTest::newRow("offset == total") << qint64(100) << qint64(100) << qint64(30) << qint64(0);
    QTest::newRow("offset == total, no chunking")
            << qint64(100) << qint64(100) << qint64(0) << qint64(0);
    QTest::newRow("offset > total") << qint64(120) << qint64(100) << qint64(30) << qint64(0);
    QTest::newRow("offset > total, no chunking")
            << qint64(120) << qint64(100) << qint64(0) << qint64(0);
    QTest::newRow("empty file") << qint64(0) << qint64(0) << qint64(0) << qint64(0);
    QTest::newRow("large file") << qint64(3 * 1024 * MiB) << qint64(5 * 1024 * MiB)
                                << qint64(5 * MiB) << qint64(5 * MiB);
}

void tst_TusRules::nextChunkLength()
{
    QFETCH(qint64, offset);
    QFETCH(qint64, total);
    QFETCH(qint64, chunkSize);
    QFETCH(qint64, expected);
    QCOMPARE(Background::Tus::nextChunkLength(offset, total, chunkSize), expected);
}

void tst_TusRules::checkOptions_data()
{
    QTest::addColumn<UploadOptions>("options");
    QTest::addColumn<bool>("accepted");

    // Plain HTTP uploads are not tus's business, however odd their options are for tus.
    UploadOptions http;
    QTest::newRow("http: defaults") << http << true;
    http.body = UploadOptions::Body::Multipart;
    http.fields = {{QStringLiteral("bad key"), QStringLiteral("v")}};
    http.chunkSize = -1;
    QTest::newRow("http: multipart, bad key, negative chunk") << http << true;

    QTest::newRow("tus: defaults") << tusOptions() << true;
    UploadOptions o = tusOptions();
    o.fields = {{QStringLiteral("owner"), QStringLiteral("me")},
                {QStringLiteral("x-tag"), QString()}};
    o.chunkSize = 5 * 1024 * 1024;
    o.method = UploadOptions::Method::Post; // does not apply to tus
    QTest::newRow("tus: fields and chunks") << o << true;

    o = tusOptions();
    o.body = UploadOptions::Body::Multipart;
    QTest::newRow("tus: multipart") << o << false;
    o = tusOptions();
    o.chunkSize = -1;
    QTest::newRow("tus: negative chunk") << o << false;

    const QString badKeys[]
            = {QStringLiteral("my key"), QStringLiteral("a,b"), QString(), utf8("caf\xc3\xa9")};
    for (const QString &key : badKeys) {
        o = tusOptions();
        o.fields = {{QStringLiteral("ok"), QStringLiteral("v")}, {key, QStringLiteral("v")}};
        QTest::addRow("tus: field key \"%s\"", qPrintable(key)) << o << false;
    }
    // tus metadata keys are unique; the file's own name and type have their options.
    const QString takenKeys[] = {QStringLiteral("filename"), QStringLiteral("filetype")};
    for (const QString &key : takenKeys) {
        o = tusOptions();
        o.fields = {{key, QStringLiteral("v")}};
        QTest::addRow("tus: field key %s", qPrintable(key)) << o << false;
    }
    o = tusOptions();
    o.fields = {{QStringLiteral("a"), QStringLiteral("1")},
                {QStringLiteral("a"), QStringLiteral("2")}};
    QTest::newRow("tus: field key twice") << o << false;
}

void tst_TusRules::checkOptions()
{
    QFETCH(UploadOptions, options);
    QFETCH(bool, accepted);
    const QString why = Background::Tus::checkOptions(options);
    QVERIFY2(why.isEmpty() == accepted,
             qPrintable(why.isEmpty() ? QStringLiteral("accepted") : why));
}

QTEST_GUILESS_MAIN(tst_TusRules)

#include "tst_tusrules.moc"
