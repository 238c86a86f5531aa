#include "httprules.h"

#include <QtCore/QDate>
#include <QtCore/QTime>

#include <algorithm>
#include <limits>

namespace Background::Http {

namespace {

// Delays are handed on as int seconds (NetworkResponse::retryAfterSeconds()), so anything
// longer is clamped rather than rejected: a server that asks for "forever" still means
// "not now", and RetryPolicy clamps to its own, much smaller, maxRetryAfter anyway.
constexpr qint64 MaxRetryAfterSeconds = std::numeric_limits<qint32>::max();

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isAlpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// ASCII-only case folding: header grammar is ASCII, and the C library's tolower() would
// depend on the process locale.
char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool equalsIgnoringAsciiCase(const char *a, qsizetype length, const char *b)
{
    for (qsizetype i = 0; i < length; ++i) {
        if (b[i] == '\0' || asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    }
    return b[length] == '\0';
}

// A non-empty run of ASCII digits as a non-negative qint64; nullopt on anything else,
// including signs and overflow (which qint64 parsers of the standard library would
// otherwise accept or saturate silently).
std::optional<qint64> parseDigits(const char *begin, const char *end)
{
    if (begin == end)
        return std::nullopt;
    qint64 value = 0;
    for (const char *p = begin; p != end; ++p) {
        if (!isDigit(*p))
            return std::nullopt;
        const int digit = *p - '0';
        if (value > (std::numeric_limits<qint64>::max() - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

// A forward-only reader over the bytes of an HTTP-date. Every step reports failure
// instead of throwing, and the date parsers bail out on the first one.
class Cursor
{
public:
    explicit Cursor(const QByteArray &data)
        : m_pos(data.constData())
        , m_end(data.constData() + data.size())
    {}

    bool atEnd() const { return m_pos == m_end; }

    bool peek(char c) const { return m_pos != m_end && *m_pos == c; }

    bool expect(char c)
    {
        if (!peek(c))
            return false;
        ++m_pos;
        return true;
    }

    // Exactly `count` digits: the grammar fixes field widths ("06", not "6").
    bool fixedDigits(int count, int *value)
    {
        if (m_end - m_pos < count)
            return false;
        int result = 0;
        for (int i = 0; i < count; ++i) {
            if (!isDigit(m_pos[i]))
                return false;
            result = result * 10 + (m_pos[i] - '0');
        }
        m_pos += count;
        *value = result;
        return true;
    }

    // A run of letters; the callers decide which names are allowed.
    QByteArray word()
    {
        const char *start = m_pos;
        while (m_pos != m_end && isAlpha(*m_pos))
            ++m_pos;
        return QByteArray(start, m_pos - start);
    }

private:
    const char *m_pos;
    const char *m_end;
};

// Our own name tables: QLocale's month names would follow the user's language, while
// HTTP-dates are always English.
constexpr const char *ShortMonths[]
        = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char *ShortDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr const char *LongDays[]
        = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

template<std::size_t N>
bool isOneOf(const QByteArray &word, const char *const (&names)[N])
{
    for (const char *name : names) {
        if (equalsIgnoringAsciiCase(word.constData(), word.size(), name))
            return true;
    }
    return false;
}

bool readMonth(Cursor &cursor, int *month)
{
    const QByteArray word = cursor.word();
    for (int i = 0; i < 12; ++i) {
        if (equalsIgnoringAsciiCase(word.constData(), word.size(), ShortMonths[i])) {
            *month = i + 1;
            return true;
        }
    }
    return false;
}

// HH:MM:SS. RFC 9110 allows second 60 for a leap second, which QTime cannot hold; one
// second early is harmless for a validator or a retry delay, rejecting the date is not.
bool readTime(Cursor &cursor, QTime *time)
{
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!cursor.fixedDigits(2, &hour) || !cursor.expect(':') || !cursor.fixedDigits(2, &minute)
        || !cursor.expect(':') || !cursor.fixedDigits(2, &second)) {
        return false;
    }
    if (second == 60)
        second = 59;
    *time = QTime(hour, minute, second); // invalid for hour 24+, minute 60+
    return time->isValid();
}

bool readGmt(Cursor &cursor)
{
    const QByteArray word = cursor.word();
    return equalsIgnoringAsciiCase(word.constData(), word.size(), "GMT");
}

// The latest year ending in twoDigitYear that is at most 50 years after referenceYear
// (RFC 9110, section 5.6.7).
int expandTwoDigitYear(int twoDigitYear, int referenceYear)
{
    const int limit = referenceYear + 50;
    const int back = ((limit - twoDigitYear) % 100 + 100) % 100;
    return limit - back;
}

QDateTime makeUtc(int year, int month, int day, const QTime &time)
{
    const QDate date(year, month, day); // invalid for Feb 30 and friends
    if (!date.isValid() || !time.isValid())
        return QDateTime();
    return QDateTime(date, time, Qt::UTC);
}

// "06 Nov 1994 08:49:37 GMT", after "Sun, ".
QDateTime parseImfFixdateRest(Cursor &cursor)
{
    int day = 0;
    int month = 0;
    int year = 0;
    QTime time;
    if (!cursor.fixedDigits(2, &day) || !cursor.expect(' ') || !readMonth(cursor, &month)
        || !cursor.expect(' ') || !cursor.fixedDigits(4, &year) || !cursor.expect(' ')
        || !readTime(cursor, &time) || !cursor.expect(' ') || !readGmt(cursor) || !cursor.atEnd()) {
        return QDateTime();
    }
    return makeUtc(year, month, day, time);
}

// "06-Nov-94 08:49:37 GMT", after "Sunday, ".
QDateTime parseRfc850Rest(Cursor &cursor, int referenceYear)
{
    int day = 0;
    int month = 0;
    int year = 0;
    QTime time;
    if (!cursor.fixedDigits(2, &day) || !cursor.expect('-') || !readMonth(cursor, &month)
        || !cursor.expect('-') || !cursor.fixedDigits(2, &year) || !cursor.expect(' ')
        || !readTime(cursor, &time) || !cursor.expect(' ') || !readGmt(cursor) || !cursor.atEnd()) {
        return QDateTime();
    }
    return makeUtc(expandTwoDigitYear(year, referenceYear), month, day, time);
}

// "Nov  6 08:49:37 1994", after "Sun ". The day is two digits or a space and one digit.
QDateTime parseAsctimeRest(Cursor &cursor)
{
    int day = 0;
    int month = 0;
    int year = 0;
    QTime time;
    if (!readMonth(cursor, &month) || !cursor.expect(' '))
        return QDateTime();
    const bool dayOk
            = cursor.expect(' ') ? cursor.fixedDigits(1, &day) : cursor.fixedDigits(2, &day);
    if (!dayOk || !cursor.expect(' ') || !readTime(cursor, &time) || !cursor.expect(' ')
        || !cursor.fixedDigits(4, &year) || !cursor.atEnd()) {
        return QDateTime();
    }
    return makeUtc(year, month, day, time);
}

// The day name picks the form: "Sun," IMF-fixdate, "Sunday," RFC 850, "Sun " asctime.
// The day name is not checked against the date: it carries no information of its own, and
// a sender's wrong weekday does not make the instant ambiguous.
QDateTime parseHttpDateImpl(const QByteArray &value, int referenceYear)
{
    const QByteArray trimmed = value.trimmed();
    Cursor cursor(trimmed);
    const QByteArray dayName = cursor.word();
    const bool shortDay = isOneOf(dayName, ShortDays);
    const bool longDay = !shortDay && isOneOf(dayName, LongDays);
    if (shortDay && cursor.expect(','))
        return cursor.expect(' ') ? parseImfFixdateRest(cursor) : QDateTime();
    if (longDay && cursor.expect(','))
        return cursor.expect(' ') ? parseRfc850Rest(cursor, referenceYear) : QDateTime();
    if (shortDay && cursor.expect(' '))
        return parseAsctimeRest(cursor);
    return QDateTime();
}

bool isHttpScheme(const QString &scheme)
{
    return scheme.compare(QLatin1String("http"), Qt::CaseInsensitive) == 0
           || scheme.compare(QLatin1String("https"), Qt::CaseInsensitive) == 0;
}

int defaultPort(const QString &scheme)
{
    if (scheme.compare(QLatin1String("http"), Qt::CaseInsensitive) == 0)
        return 80;
    if (scheme.compare(QLatin1String("https"), Qt::CaseInsensitive) == 0)
        return 443;
    return -1;
}

} // namespace

NetworkResponse::Outcome outcomeForStatus(int status)
{
    using Outcome = NetworkResponse::Outcome;
    if (status >= 200 && status <= 299)
        return Outcome::Success;
    switch (status) {
    case 408: // Request Timeout
    case 429: // Too Many Requests
    case 500: // Internal Server Error: often a passing fault on a busy server
    case 502: // Bad Gateway
    case 503: // Service Unavailable
    case 504: // Gateway Timeout
        return Outcome::Retry;
    default:
        break;
    }
    // A 3xx only gets here when it could not be followed, so repeating it will not help.
    if (status >= 300 && status <= 599)
        return Outcome::Rejected;
    // 1xx must never be final, and anything outside 100..599 is not HTTP: no server verdict.
    return Outcome::Failed;
}

bool isRedirectStatus(int status)
{
    // 300 (Multiple Choices) and 304 (Not Modified) carry no Location to follow,
    // and 305/306 are obsolete.
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<std::chrono::seconds> parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;

    if (isDigit(trimmed.front())) {
        // delta-seconds is 1*DIGIT, so a digit start means this form or garbage, never a date.
        const char *begin = trimmed.constData();
        const char *end = begin + trimmed.size();
        if (!std::all_of(begin, end, isDigit))
            return std::nullopt;
        const std::optional<qint64> seconds = parseDigits(begin, end);
        // All digits, so only overflow fails: that is a huge value, clamped like any other.
        return std::chrono::seconds(seconds ? qMin(*seconds, MaxRetryAfterSeconds)
                                            : MaxRetryAfterSeconds);
    }

    if (!now.isValid())
        return std::nullopt;
    // With a "now" at hand the two-digit RFC 850 year can follow RFC 9110 exactly.
    const QDateTime date = parseHttpDateImpl(trimmed, now.toUTC().date().year());
    if (!date.isValid())
        return std::nullopt;
    const qint64 delta = now.secsTo(date);
    return std::chrono::seconds(qBound(qint64(0), delta, MaxRetryAfterSeconds));
}

QDateTime parseHttpDate(const QByteArray &value)
{
    // No clock here, so two-digit RFC 850 years use a fixed window: 50..99 are 1950..1999,
    // 00..49 are 2000..2049 (what RFC 9110's rule gives for a current year of 1999).
    return parseHttpDateImpl(value, 1999);
}

std::optional<ContentRange> parseContentRange(const QByteArray &value)
{
    const QByteArray trimmed = value.trimmed();
    const char *p = trimmed.constData();
    const char *const end = p + trimmed.size();

    constexpr qsizetype unitLength = 5; // "bytes"
    if (end - p < unitLength || !equalsIgnoringAsciiCase(p, unitLength, "bytes"))
        return std::nullopt;
    p += unitLength;
    // The grammar wants exactly one SP; extra blanks are harmless to accept, but at least
    // one is required so that "bytesX" or "bytes100-199/1000" do not pass as well-formed.
    const char *const afterUnit = p;
    while (p != end && (*p == ' ' || *p == '\t'))
        ++p;
    if (p == afterUnit)
        return std::nullopt;

    ContentRange range;
    const char *const slash = std::find(p, end, '/');
    if (slash == end)
        return std::nullopt;

    const bool unsatisfied = (slash - p == 1 && *p == '*');
    if (!unsatisfied) {
        const char *const dash = std::find(p, slash, '-');
        if (dash == slash)
            return std::nullopt;
        const std::optional<qint64> first = parseDigits(p, dash);
        const std::optional<qint64> last = parseDigits(dash + 1, slash);
        if (!first || !last || *last < *first)
            return std::nullopt;
        range.first = *first;
        range.last = *last;
    }

    const char *const lengthBegin = slash + 1;
    if (end - lengthBegin == 1 && *lengthBegin == '*') {
        // "*/*" says nothing at all: neither a range nor a size.
        if (unsatisfied)
            return std::nullopt;
        return range;
    }
    const std::optional<qint64> complete = parseDigits(lengthBegin, end);
    if (!complete)
        return std::nullopt;
    if (!unsatisfied && *complete <= range.last)
        return std::nullopt;
    range.complete = *complete;
    return range;
}

bool isWeakETag(const QByteArray &etag)
{
    // The grammar says "W/" exactly, but a lowercase "w/" is still not a strong validator,
    // and wrongly treating a tag as weak only costs a restart, never corrupt data.
    const QByteArray trimmed = etag.trimmed();
    return trimmed.size() >= 2 && asciiLower(trimmed.at(0)) == 'w' && trimmed.at(1) == '/';
}

QByteArray ifRangeValidator(const QByteArray &etag, const QByteArray &lastModified)
{
    // RFC 9110 forbids a weak ETag in If-Range: it would let a changed entity resume.
    QByteArray trimmedETag = etag.trimmed();
    if (!trimmedETag.isEmpty() && !isWeakETag(trimmedETag))
        return trimmedETag;
    // If-Range holds an entity-tag or an HTTP-date: a Last-Modified that is neither a date nor
    // safe to send (W/"x" would be read as a weak tag) proves nothing.
    const QByteArray trimmedDate = lastModified.trimmed();
    return parseHttpDate(trimmedDate).isValid() ? trimmedDate : QByteArray();
}

bool isSameOrigin(const QUrl &a, const QUrl &b)
{
    // Hostless URLs (file:, data:, ...) have opaque origins that match nothing.
    if (!a.isValid() || !b.isValid() || a.host().isEmpty() || b.host().isEmpty())
        return false;
    const QString scheme = a.scheme();
    if (scheme.compare(b.scheme(), Qt::CaseInsensitive) != 0)
        return false;
    if (a.host().compare(b.host(), Qt::CaseInsensitive) != 0)
        return false;
    // "http://h" and "http://h:80" are the same origin.
    const int port = defaultPort(scheme);
    return a.port(port) == b.port(port);
}

RedirectCheck checkRedirect(const QUrl &from, const QByteArray &location, QUrl *target)
{
    // Set target for NotHttp and Downgrade too, so that the caller can say where the
    // refused redirect pointed; only an unresolvable Location leaves it empty.
    if (target)
        *target = QUrl();

    const QByteArray trimmed = location.trimmed();
    if (trimmed.isEmpty())
        return RedirectCheck::Invalid;
    // Strict mode: a Location that is not a proper URL reference is a server bug, and
    // guessing what was meant could send the request somewhere unintended.
    const QUrl reference = QUrl::fromEncoded(trimmed, QUrl::StrictMode);
    if (!reference.isValid())
        return RedirectCheck::Invalid;
    const QUrl resolved = from.resolved(reference);
    // A relative Location against an unusable base cannot be resolved to anything.
    if (!resolved.isValid() || resolved.isRelative())
        return RedirectCheck::Invalid;

    if (target)
        *target = resolved;
    if (!isHttpScheme(resolved.scheme()))
        return RedirectCheck::NotHttp;
    // "http:foo" or "http:///x" resolve to an http URL without a host to connect to.
    if (resolved.host().isEmpty()) {
        if (target)
            *target = QUrl();
        return RedirectCheck::Invalid;
    }
    if (from.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0
        && resolved.scheme().compare(QLatin1String("http"), Qt::CaseInsensitive) == 0) {
        return RedirectCheck::Downgrade;
    }
    return RedirectCheck::Allowed;
}

bool isHttpUrl(const QUrl &url)
{
    return url.isValid() && isHttpScheme(url.scheme()) && !url.host().isEmpty();
}

std::optional<qint64> parseContentLength(const QByteArray &value)
{
    std::optional<qint64> result;
    for (const QByteArray &part : value.split(',')) {
        const QByteArray digits = part.trimmed();
        const std::optional<qint64> n
                = parseDigits(digits.constData(), digits.constData() + digits.size());
        if (!n || (result && *result != *n))
            return std::nullopt;
        result = n;
    }
    return result;
}

QString responseHeadProblem(const HeaderList &headers)
{
    if (headers.isEmpty())
        return QStringLiteral("The response head has no header fields, or more or larger ones "
                              "than can be read");
    if (headers.size() > MaxResponseHeaderFields)
        return QStringLiteral("The response has %1 header fields, more than the %2 accepted")
                .arg(headers.size())
                .arg(MaxResponseHeaderFields);
    qint64 bytes = 0;
    for (const auto &[name, value] : headers)
        bytes += name.size() + value.size() + 4; // ": " and CRLF
    if (bytes > MaxResponseHeadBytes)
        return QStringLiteral("The response head has %1 bytes, more than the %2 accepted")
                .arg(bytes)
                .arg(MaxResponseHeadBytes);
    for (const auto &[name, value] : headers) {
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0 && !parseContentLength(value))
            return QStringLiteral("The response has a malformed or contradictory Content-Length "
                                  "'%1'")
                    .arg(QString::fromLatin1(value.left(64)));
    }
    return {};
}

} // namespace Background::Http
