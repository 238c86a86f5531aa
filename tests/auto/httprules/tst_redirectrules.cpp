// The redirect and URL rules are pure functions, so every case is a row in a table: adding a
// case found in the wild means adding a row, not a test. The other HTTP rules: tst_httprules.cpp.

#include "httprules.h"

#include <QtTest/QTest>

using Background::Http::RedirectCheck;

Q_DECLARE_METATYPE(Background::Http::RedirectCheck)

namespace Background::Http {
// Found by QCOMPARE through argument-dependent lookup, for readable failure messages.
char *toString(RedirectCheck check)
{
    switch (check) {
    case RedirectCheck::Allowed:
        return qstrdup("Allowed");
    case RedirectCheck::NotHttp:
        return qstrdup("NotHttp");
    case RedirectCheck::Downgrade:
        return qstrdup("Downgrade");
    case RedirectCheck::Invalid:
        return qstrdup("Invalid");
    }
    return qstrdup("?");
}
} // namespace Background::Http

namespace {

QUrl url(const char *text)
{
    return QUrl(QString::fromLatin1(text));
}

} // namespace

class tst_RedirectRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isRedirectStatus_data();
    void isRedirectStatus();

    void isSameOrigin_data();
    void isSameOrigin();

    void checkRedirect_data();
    void checkRedirect();
    void checkRedirectWithoutTarget();

    void isHttpUrl_data();
    void isHttpUrl();
};

void tst_RedirectRules::isRedirectStatus_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("expected");

    for (int status : {0, 200, 299, 300, 304, 305, 306, 309, 399, 400})
        QTest::addRow("%d", status) << status << false;
    for (int status : {301, 302, 303, 307, 308})
        QTest::addRow("%d", status) << status << true;
}

void tst_RedirectRules::isRedirectStatus()
{
    QFETCH(int, status);
    QFETCH(bool, expected);
    QCOMPARE(Background::Http::isRedirectStatus(status), expected);
}

void tst_RedirectRules::isSameOrigin_data()
{
    QTest::addColumn<QUrl>("a");
    QTest::addColumn<QUrl>("b");
    QTest::addColumn<bool>("same");

    const auto row = [](const char *name, const char *a, const char *b, bool same) {
        QTest::newRow(name) << url(a) << url(b) << same;
    };

    row("identical", "http://example.com/a", "http://example.com/a", true);
    row("other path and query", "http://example.com/a", "http://example.com/b?x=1#f", true);
    row("userinfo ignored", "http://user:pw@example.com/", "http://example.com/", true);
    row("explicit port 80", "http://example.com/", "http://example.com:80/", true);
    row("explicit port 443", "https://example.com:443/", "https://example.com/", true);
    row("same explicit port", "http://example.com:8080/", "http://example.com:8080/x", true);
    row("host case", "http://EXAMPLE.com/", "http://example.COM/", true);
    row("scheme case", "HTTP://example.com/", "http://example.com/", true);
    row("ipv6", "http://[::1]:8080/a", "http://[::1]:8080/b", true);
    row("other scheme", "http://example.com/", "https://example.com/", false);
    row("http on 443", "http://example.com:443/", "https://example.com/", false);
    row("https on 80", "https://example.com:80/", "http://example.com/", false);
    row("other port", "http://example.com:8080/", "http://example.com/", false);
    row("two other ports", "http://example.com:8080/", "http://example.com:8081/", false);
    row("other host", "http://example.com/", "http://example.org/", false);
    row("subdomain", "http://example.com/", "http://www.example.com/", false);
    row("loopback names", "http://localhost/", "http://127.0.0.1/", false);
    row("empty", "", "", false);
    row("one empty", "http://example.com/", "", false);
    row("relative", "/a", "/a", false);
    row("file URLs", "file:///tmp/a", "file:///tmp/a", false);
}

void tst_RedirectRules::isSameOrigin()
{
    QFETCH(QUrl, a);
    QFETCH(QUrl, b);
    QFETCH(bool, same);
    QCOMPARE(Background::Http::isSameOrigin(a, b), same);
    QCOMPARE(Background::Http::isSameOrigin(b, a), same);
}

void tst_RedirectRules::checkRedirect_data()
{
    QTest::addColumn<QUrl>("from");
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<RedirectCheck>("expected");
    QTest::addColumn<QUrl>("target"); // empty when the Location does not resolve

    const QUrl http = url("http://example.com/dir/file.bin?x=1");
    const QUrl https = url("https://example.com/dir/file.bin");

    // Relative references resolve against the URL that answered.
    QTest::newRow("relative path") << http << QByteArray("next.bin") << RedirectCheck::Allowed
                                   << url("http://example.com/dir/next.bin");
    QTest::newRow("dot-dot path") << http << QByteArray("../up.bin") << RedirectCheck::Allowed
                                  << url("http://example.com/up.bin");
    QTest::newRow("absolute path") << http << QByteArray("/other/f.bin") << RedirectCheck::Allowed
                                   << url("http://example.com/other/f.bin");
    QTest::newRow("query only") << http << QByteArray("?v=2") << RedirectCheck::Allowed
                                << url("http://example.com/dir/file.bin?v=2");
    QTest::newRow("network path keeps https")
            << https << QByteArray("//cdn.example.net/f.bin") << RedirectCheck::Allowed
            << url("https://cdn.example.net/f.bin");
    QTest::newRow("relative from https stays https")
            << https << QByteArray("next.bin") << RedirectCheck::Allowed
            << url("https://example.com/dir/next.bin");
    QTest::newRow("padded location") << http << QByteArray("  /a.bin \t") << RedirectCheck::Allowed
                                     << url("http://example.com/a.bin");
    QTest::newRow("percent-encoded path")
            << http << QByteArray("/a%20b.bin") << RedirectCheck::Allowed
            << QUrl::fromEncoded("http://example.com/a%20b.bin");

    // Absolute references
    QTest::newRow("other host") << http << QByteArray("http://mirror.example.org:8080/f.bin")
                                << RedirectCheck::Allowed
                                << url("http://mirror.example.org:8080/f.bin");
    QTest::newRow("http to https") << http << QByteArray("https://example.com/f.bin")
                                   << RedirectCheck::Allowed << url("https://example.com/f.bin");
    QTest::newRow("https to https")
            << https << QByteArray("https://mirror.example.org/f.bin") << RedirectCheck::Allowed
            << url("https://mirror.example.org/f.bin");
    QTest::newRow("uppercase scheme") << http << QByteArray("HTTPS://Example.COM/f.bin")
                                      << RedirectCheck::Allowed << url("https://example.com/f.bin");

    // Downgrades keep the target so that the refusal can say where it pointed.
    QTest::newRow("https to http") << https << QByteArray("http://example.com/f.bin")
                                   << RedirectCheck::Downgrade << url("http://example.com/f.bin");
    QTest::newRow("https to http other host")
            << https << QByteArray("http://mirror.example.org/f.bin") << RedirectCheck::Downgrade
            << url("http://mirror.example.org/f.bin");

    // Other schemes
    QTest::newRow("file") << http << QByteArray("file:///etc/passwd") << RedirectCheck::NotHttp
                          << url("file:///etc/passwd");
    QTest::newRow("ftp") << https << QByteArray("ftp://ftp.example.com/f.bin")
                         << RedirectCheck::NotHttp << url("ftp://ftp.example.com/f.bin");
    QTest::newRow("data") << http << QByteArray("data:text/plain,hi") << RedirectCheck::NotHttp
                          << url("data:text/plain,hi");
    QTest::newRow("javascript") << http << QByteArray("javascript:alert(1)")
                                << RedirectCheck::NotHttp << url("javascript:alert(1)");

    // Unusable Locations
    QTest::newRow("empty") << http << QByteArray() << RedirectCheck::Invalid << QUrl();
    QTest::newRow("blank") << http << QByteArray(" \t ") << RedirectCheck::Invalid << QUrl();
    QTest::newRow("space in host")
            << http << QByteArray("http://exa mple.com/") << RedirectCheck::Invalid << QUrl();
    QTest::newRow("bad percent escape")
            << http << QByteArray("/a%zz.bin") << RedirectCheck::Invalid << QUrl();
    QTest::newRow("unclosed ipv6")
            << http << QByteArray("http://[::1/") << RedirectCheck::Invalid << QUrl();
    QTest::newRow("bad port") << http << QByteArray("http://example.com:99999/")
                              << RedirectCheck::Invalid << QUrl();
    QTest::newRow("http without host")
            << http << QByteArray("http:///nohost") << RedirectCheck::Invalid << QUrl();
    QTest::newRow("relative against empty base")
            << QUrl() << QByteArray("next.bin") << RedirectCheck::Invalid << QUrl();
}

void tst_RedirectRules::checkRedirect()
{
    QFETCH(QUrl, from);
    QFETCH(QByteArray, location);
    QFETCH(RedirectCheck, expected);
    QFETCH(QUrl, target);

    // Pre-filled, so that a stale value left behind would show.
    QUrl actualTarget = url("http://stale.example/");
    QCOMPARE(Background::Http::checkRedirect(from, location, &actualTarget), expected);
    QCOMPARE(actualTarget, target);
}

void tst_RedirectRules::checkRedirectWithoutTarget()
{
    const QUrl from = url("https://example.com/f.bin");
    QCOMPARE(Background::Http::checkRedirect(from, "/g.bin", nullptr), RedirectCheck::Allowed);
    QCOMPARE(Background::Http::checkRedirect(from, "http://example.com/", nullptr),
             RedirectCheck::Downgrade);
    QCOMPARE(Background::Http::checkRedirect(from, "ftp://example.com/", nullptr),
             RedirectCheck::NotHttp);
    QCOMPARE(Background::Http::checkRedirect(from, "", nullptr), RedirectCheck::Invalid);
    QCOMPARE(Background::Http::checkRedirect(from, "http:///x", nullptr), RedirectCheck::Invalid);
}

void tst_RedirectRules::isHttpUrl_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<bool>("expected");

    QTest::newRow("http") << url("http://example.com/f.bin") << true;
    QTest::newRow("https") << url("https://example.com") << true;
    QTest::newRow("uppercase") << url("HTTPS://EXAMPLE.COM/") << true;
    QTest::newRow("port and query") << url("http://example.com:8080/f?x=1") << true;
    QTest::newRow("ipv4") << url("https://127.0.0.1/") << true;
    QTest::newRow("ipv6") << url("http://[::1]:8080/") << true;
    QTest::newRow("ftp") << url("ftp://example.com/f.bin") << false;
    QTest::newRow("file") << url("file:///tmp/f.bin") << false;
    QTest::newRow("no host") << url("http:///f.bin") << false;
    QTest::newRow("relative") << url("example.com/f.bin") << false;
    QTest::newRow("empty") << QUrl() << false;
    QTest::newRow("invalid") << QUrl(QStringLiteral("http://exa mple.com/"), QUrl::StrictMode)
                             << false;
}

void tst_RedirectRules::isHttpUrl()
{
    QFETCH(QUrl, url);
    QFETCH(bool, expected);
    QCOMPARE(Background::Http::isHttpUrl(url), expected);
}

QTEST_GUILESS_MAIN(tst_RedirectRules)
#include "tst_redirectrules.moc"
