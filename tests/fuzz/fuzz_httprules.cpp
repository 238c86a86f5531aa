// The other HTTP rules that read server bytes: the status table, validators (ETag,
// Last-Modified, If-Range) and redirect Locations (Http::checkRedirect, isSameOrigin).
// Also Content-Length (parseContentLength) and the response head limits (responseHeadProblem).
// Input: one selector byte, then "etag \n last-modified \n location"; the etag and
// last-modified lines double as Content-Length values, and all lines as a response head.

#include "fuzzcheck.h"
#include "httprules.h"

using namespace Background;

namespace {

const QUrl &base(uint8_t selector)
{
    static const QUrl bases[] = {
            QUrl(QStringLiteral("https://example.org/files/a.bin?x=1")),
            QUrl(QStringLiteral("http://example.org:8080/a/b/")),
            QUrl(QStringLiteral("http://127.0.0.1/")),
            QUrl(QStringLiteral("https://[::1]:8443/up")),
            QUrl(QStringLiteral("file:///tmp/x")),
            QUrl(),
    };
    return bases[selector % (sizeof bases / sizeof bases[0])];
}

bool isHttps(const QUrl &url)
{
    return url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0;
}

bool isPlainHttp(const QUrl &url)
{
    return url.scheme().compare(QLatin1String("http"), Qt::CaseInsensitive) == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput::Reader in(data, size);
    const uint8_t selector = in.byte();
    const QList<QByteArray> parts = in.rest().split('\n');
    const QByteArray etag = parts.value(0);
    const QByteArray lastModified = parts.value(1);
    const QByteArray location = parts.mid(2).join('\n');

    // The status table covers every int with a valid outcome.
    const int status = int(quint32(selector) * 3 + quint32(etag.size()) * 7) - 50;
    const int outcome = int(Http::outcomeForStatus(status));
    FUZZ_CHECK(outcome >= 0 && outcome <= int(NetworkResponse::Outcome::Failed));
    if (Http::isRedirectStatus(status))
        FUZZ_CHECK(status >= 300 && status <= 399);

    // If-Range never carries a weak ETag, and is one of the two validators as sent.
    const QByteArray validator = Http::ifRangeValidator(etag, lastModified);
    FUZZ_CHECK(validator.isEmpty() || validator == etag.trimmed()
               || validator == lastModified.trimmed());
    FUZZ_CHECK(!Http::isWeakETag(validator));
    // A date in If-Range is only ever a real HTTP-date.
    if (!validator.isEmpty() && validator != etag.trimmed())
        FUZZ_CHECK(Http::parseHttpDate(validator).isValid());

    // Content-Length: never negative, and a value written out reads back, alone or repeated.
    for (const QByteArray &value : {etag, lastModified}) {
        const std::optional<qint64> length = Http::parseContentLength(value);
        if (!length)
            continue;
        FUZZ_CHECK(*length >= 0);
        const QByteArray canonical = QByteArray::number(*length);
        FUZZ_CHECK(Http::parseContentLength(canonical) == length);
        FUZZ_CHECK(Http::parseContentLength(canonical + ", " + canonical) == length);
    }

    // A response head as lines "name: value": refused when empty or when a Content-Length
    // does not parse.
    HeaderList head;
    bool badLength = false;
    for (const QByteArray &line : parts) {
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = colon < 0 ? line : line.left(colon);
        const QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1).trimmed();
        head.append({name, value});
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
            badLength = badLength || !Http::parseContentLength(value);
    }
    if (selector & 1)
        head.clear();
    const QString problem = Http::responseHeadProblem(head);
    if (head.isEmpty() || badLength)
        FUZZ_CHECK(!problem.isEmpty());

    const QUrl &from = base(selector);
    QUrl target(QStringLiteral("http://stale.invalid/"));
    switch (Http::checkRedirect(from, location, &target)) {
    case Http::RedirectCheck::Allowed:
        FUZZ_CHECK(Http::isHttpUrl(target));
        FUZZ_CHECK(!(isHttps(from) && isPlainHttp(target)));
        break;
    case Http::RedirectCheck::Downgrade:
        FUZZ_CHECK(isHttps(from) && isPlainHttp(target));
        break;
    case Http::RedirectCheck::NotHttp:
        FUZZ_CHECK(target.isValid() && !target.isRelative());
        FUZZ_CHECK(!isHttps(target) && !isPlainHttp(target));
        break;
    case Http::RedirectCheck::Invalid:
        FUZZ_CHECK(target.isEmpty());
        break;
    }

    // Same-origin is symmetric, and an http URL is its own origin.
    for (uint8_t i = 0; i < 6; ++i) {
        FUZZ_CHECK(Http::isSameOrigin(base(i), target) == Http::isSameOrigin(target, base(i)));
    }
    if (Http::isHttpUrl(target))
        FUZZ_CHECK(Http::isSameOrigin(target, target));
    return 0;
}
