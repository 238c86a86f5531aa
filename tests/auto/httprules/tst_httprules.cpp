// The HTTP rules are pure functions, so every case is a row in a table: adding a case found
// in the wild means adding a row, not a test. Status outcomes, Retry-After, HTTP-dates,
// Content-Range and validators here; redirects and URLs: tst_redirectrules.cpp.

#include "httprules.h"

#include <QtCore/QLocale>
#include <QtTest/QTest>

#include <climits>

using Background::NetworkResponse;
using Outcome = Background::NetworkResponse::Outcome;

namespace {

QDateTime utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0)
{
    return QDateTime(QDate(year, month, day), QTime(hour, minute, second), Qt::UTC);
}

// Every Retry-After date is measured against this instant, never the real clock.
// 2026-11-24 is a Tuesday.
const QDateTime &fixedNow()
{
    static const QDateTime now = utc(2026, 11, 24, 12, 0, 0);
    return now;
}

constexpr qint64 maxRetryAfterSeconds = INT_MAX;

} // namespace

class tst_HttpRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void outcomeForStatus_data();
    void outcomeForStatus();

    void parseRetryAfter_data();
    void parseRetryAfter();
    void parseRetryAfterWithoutValidNow();
    void parseRetryAfterNowInOtherTimeSpec();

    void parseHttpDate_data();
    void parseHttpDate();

    void parseContentRange_data();
    void parseContentRange();

    void isWeakETag_data();
    void isWeakETag();
    void ifRangeValidator_data();
    void ifRangeValidator();
};

void tst_HttpRules::initTestCase()
{
    // HTTP-dates are English whatever the user's language: a German default locale
    // ("Nov." / "So.") must not change a single result below.
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
}

void tst_HttpRules::outcomeForStatus_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<Outcome>("expected");

    const struct
    {
        int status;
        Outcome outcome;
    } rows[] = {
            {INT_MIN, Outcome::Failed}, {-1, Outcome::Failed},    {0, Outcome::Failed},
            {99, Outcome::Failed},      {100, Outcome::Failed},   {102, Outcome::Failed},
            {199, Outcome::Failed},     {200, Outcome::Success},  {201, Outcome::Success},
            {204, Outcome::Success},    {206, Outcome::Success},  {299, Outcome::Success},
            {300, Outcome::Rejected},   {301, Outcome::Rejected}, {302, Outcome::Rejected},
            {303, Outcome::Rejected},   {304, Outcome::Rejected}, {305, Outcome::Rejected},
            {306, Outcome::Rejected},   {307, Outcome::Rejected}, {308, Outcome::Rejected},
            {399, Outcome::Rejected},   {400, Outcome::Rejected}, {401, Outcome::Rejected},
            {403, Outcome::Rejected},   {404, Outcome::Rejected}, {407, Outcome::Rejected},
            {408, Outcome::Retry},      {409, Outcome::Rejected}, {410, Outcome::Rejected},
            {416, Outcome::Rejected},   {418, Outcome::Rejected}, {428, Outcome::Rejected},
            {429, Outcome::Retry},      {430, Outcome::Rejected}, {499, Outcome::Rejected},
            {500, Outcome::Retry},      {501, Outcome::Rejected}, {502, Outcome::Retry},
            {503, Outcome::Retry},      {504, Outcome::Retry},    {505, Outcome::Rejected},
            {507, Outcome::Rejected},   {511, Outcome::Rejected}, {599, Outcome::Rejected},
            {600, Outcome::Failed},     {999, Outcome::Failed},   {INT_MAX, Outcome::Failed},
    };
    for (const auto &row : rows)
        QTest::addRow("%d", row.status) << row.status << row.outcome;
}

void tst_HttpRules::outcomeForStatus()
{
    QFETCH(int, status);
    QFETCH(Outcome, expected);
    QCOMPARE(Background::Http::outcomeForStatus(status), expected);
}

void tst_HttpRules::parseRetryAfter_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("seconds");

    const auto ok = [](const char *name, const QByteArray &value, qint64 seconds) {
        QTest::newRow(name) << value << true << seconds;
    };
    const auto bad = [](const char *name, const QByteArray &value) {
        QTest::newRow(name) << value << false << qint64(-1);
    };

    // delta-seconds
    ok("0", "0", 0);
    ok("7", "7", 7);
    ok("padded 120", " 120 ", 120);
    ok("tabs", "\t30\t", 30);
    ok("leading zeros", "007", 7);
    ok("int max", "2147483647", maxRetryAfterSeconds);
    ok("int max + 1 clamps", "2147483648", maxRetryAfterSeconds);
    ok("qint64 overflow clamps", "99999999999999999999", maxRetryAfterSeconds);
    bad("empty", "");
    bad("blank", "   ");
    bad("negative", "-5");
    bad("plus sign", "+5");
    bad("fraction", "1.5");
    bad("letters", "abc");
    bad("digits then letters", "12abc");
    bad("hex", "0x10");
    bad("space inside", "1 2");
    bad("unit", "5s");
    bad("ISO 8601", "2026-11-25T12:00:00Z");

    // HTTP-dates in the future
    ok("IMF-fixdate +1 day", "Wed, 25 Nov 2026 12:00:00 GMT", 86400);
    ok("IMF-fixdate +30 s", "Tue, 24 Nov 2026 12:00:30 GMT", 30);
    ok("IMF-fixdate padded", "  Tue, 24 Nov 2026 12:00:30 GMT  ", 30);
    ok("RFC 850 +1 day", "Wednesday, 25-Nov-26 12:00:00 GMT", 86400);
    ok("RFC 850 +1 h", "Tuesday, 24-Nov-26 13:00:00 GMT", 3600);
    ok("asctime +1 day", "Wed Nov 25 12:00:00 2026", 86400);
    ok("asctime +1 min", "Tue Nov 24 12:01:00 2026", 60);
    ok("asctime one-digit day", "Tue Dec  1 12:00:00 2026", 7 * 86400);
    ok("next year", "Fri, 01 Jan 2027 00:00:00 GMT", fixedNow().secsTo(utc(2027, 1, 1)));
    ok("far future clamps", "Fri, 31 Dec 9999 23:59:59 GMT", maxRetryAfterSeconds);

    // Two-digit years relative to now (2026): up to 50 years ahead is the future,
    // beyond that the previous century.
    ok("RFC 850 year 60 is 2060",
       "Thursday, 01-Jan-60 00:00:00 GMT",
       fixedNow().secsTo(utc(2060, 1, 1)));
    ok("RFC 850 year 76 is 2076",
       "Wednesday, 01-Jan-76 00:00:00 GMT",
       fixedNow().secsTo(utc(2076, 1, 1)));
    ok("RFC 850 year 77 is 1977", "Saturday, 01-Jan-77 00:00:00 GMT", 0);

    // HTTP-dates now or in the past
    ok("IMF-fixdate now", "Tue, 24 Nov 2026 12:00:00 GMT", 0);
    ok("IMF-fixdate -1 s", "Tue, 24 Nov 2026 11:59:59 GMT", 0);
    ok("IMF-fixdate 1994", "Sun, 06 Nov 1994 08:49:37 GMT", 0);
    ok("RFC 850 1994", "Sunday, 06-Nov-94 08:49:37 GMT", 0);
    ok("asctime 1994", "Sun Nov  6 08:49:37 1994", 0);
    ok("asctime -1 day", "Mon Nov 23 12:00:00 2026", 0);

    // Not HTTP-dates
    bad("Feb 30", "Mon, 30 Feb 2026 12:00:00 GMT");
    bad("hour 25", "Tue, 24 Nov 2026 25:00:00 GMT");
    bad("UTC zone", "Tue, 24 Nov 2026 12:00:30 UTC");
    bad("unknown month", "Tue, 24 Foo 2026 12:00:30 GMT");
    bad("German", "Di, 24 Nov. 2026 12:00:30 GMT");
    bad("trailing garbage", "Tue, 24 Nov 2026 12:00:30 GMT x");
    bad("date without time", "Tue, 24 Nov 2026");
}

void tst_HttpRules::parseRetryAfter()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    QFETCH(qint64, seconds);

    const auto result = Background::Http::parseRetryAfter(value, fixedNow());
    QCOMPARE(result.has_value(), valid);
    if (valid)
        QCOMPARE(qint64(result->count()), seconds);
}

void tst_HttpRules::parseRetryAfterWithoutValidNow()
{
    // Delta-seconds need no clock; a date cannot be turned into a delay without one.
    const auto delta = Background::Http::parseRetryAfter("7", QDateTime());
    QVERIFY(delta.has_value());
    QCOMPARE(delta->count(), 7);
    QVERIFY(!Background::Http::parseRetryAfter("Wed, 25 Nov 2026 12:00:00 GMT", QDateTime()));
}

void tst_HttpRules::parseRetryAfterNowInOtherTimeSpec()
{
    // The same instant as fixedNow(), expressed as UTC+02:00 local time.
    const QDateTime now = fixedNow().toOffsetFromUtc(2 * 3600);
    QCOMPARE(now.time(), QTime(14, 0));
    const auto result = Background::Http::parseRetryAfter("Wed, 25 Nov 2026 12:00:00 GMT", now);
    QVERIFY(result.has_value());
    QCOMPARE(result->count(), 86400);
}

void tst_HttpRules::parseHttpDate_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QDateTime>("expected"); // invalid: the value must be rejected

    const QDateTime rfcExample = utc(1994, 11, 6, 8, 49, 37);
    const auto ok = [](const char *name, const QByteArray &value, const QDateTime &expected) {
        QTest::newRow(name) << value << expected;
    };
    const auto bad = [](const char *name, const QByteArray &value) {
        QTest::newRow(name) << value << QDateTime();
    };

    // The three forms of RFC 9110's example
    ok("IMF-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT", rfcExample);
    ok("RFC 850", "Sunday, 06-Nov-94 08:49:37 GMT", rfcExample);
    ok("asctime", "Sun Nov  6 08:49:37 1994", rfcExample);
    ok("asctime two-digit day", "Wed Nov 16 08:49:37 1994", utc(1994, 11, 16, 8, 49, 37));
    ok("asctime zero-padded day", "Sun Nov 06 08:49:37 1994", rfcExample);
    ok("surrounding whitespace", " \tSun, 06 Nov 1994 08:49:37 GMT ", rfcExample);
    ok("lowercase names", "sun, 06 nov 1994 08:49:37 gmt", rfcExample);
    ok("uppercase names", "SUNDAY, 06-NOV-94 08:49:37 GMT", rfcExample);
    // The weekday is redundant; a wrong one does not make the instant unclear.
    ok("wrong weekday", "Mon, 06 Nov 1994 08:49:37 GMT", rfcExample);
    ok("midnight", "Thu, 01 Jan 1970 00:00:00 GMT", utc(1970, 1, 1));
    ok("end of day", "Thu, 31 Dec 2026 23:59:59 GMT", utc(2026, 12, 31, 23, 59, 59));
    ok("leap day", "Thu, 29 Feb 2024 12:00:00 GMT", utc(2024, 2, 29, 12));
    ok("leap second", "Wed, 31 Dec 2025 23:59:60 GMT", utc(2025, 12, 31, 23, 59, 59));
    ok("year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", utc(9999, 12, 31, 23, 59, 59));

    const char *const months[]
            = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int month = 1; month <= 12; ++month) {
        const QByteArray value = QByteArrayLiteral("Mon, 15 ") + months[month - 1]
                                 + QByteArrayLiteral(" 2026 10:20:30 GMT");
        QTest::addRow("month %s", months[month - 1]) << value << utc(2026, month, 15, 10, 20, 30);
    }

    // Without a clock, two-digit years map to 1950..2049.
    ok("RFC 850 year 00", "Saturday, 01-Jan-00 00:00:00 GMT", utc(2000, 1, 1));
    ok("RFC 850 year 49", "Friday, 01-Jan-49 00:00:00 GMT", utc(2049, 1, 1));
    ok("RFC 850 year 50", "Sunday, 01-Jan-50 00:00:00 GMT", utc(1950, 1, 1));
    ok("RFC 850 year 99", "Friday, 01-Jan-99 00:00:00 GMT", utc(1999, 1, 1));

    bad("empty", "");
    bad("garbage", "garbage");
    bad("delta-seconds", "120");
    bad("ISO 8601", "1994-11-06T08:49:37Z");
    bad("Feb 30", "Wed, 30 Feb 1994 08:49:37 GMT");
    bad("Feb 29 in a common year", "Wed, 29 Feb 2023 08:49:37 GMT");
    bad("day 32", "Sun, 32 Oct 1994 08:49:37 GMT");
    bad("day 00", "Sun, 00 Nov 1994 08:49:37 GMT");
    bad("hour 24", "Sun, 06 Nov 1994 24:00:00 GMT");
    bad("hour 25", "Sun, 06 Nov 1994 25:49:37 GMT");
    bad("minute 60", "Sun, 06 Nov 1994 08:60:37 GMT");
    bad("second 61", "Sun, 06 Nov 1994 08:49:61 GMT");
    bad("year 0000", "Sun, 06 Nov 0000 08:49:37 GMT");
    bad("unknown month", "Sun, 06 Foo 1994 08:49:37 GMT");
    bad("full month name", "Sun, 06 November 1994 08:49:37 GMT");
    bad("unknown day", "Fun, 06 Nov 1994 08:49:37 GMT");
    bad("no day name", "06 Nov 1994 08:49:37 GMT");
    bad("German names", "So, 06 Nov. 1994 08:49:37 GMT");
    bad("one-digit day", "Sun, 6 Nov 1994 08:49:37 GMT");
    bad("one-digit hour", "Sun, 06 Nov 1994 8:49:37 GMT");
    bad("sign in day", "Sun, +6 Nov 1994 08:49:37 GMT");
    bad("letter in year", "Sun, 06 Nov 19a4 08:49:37 GMT");
    bad("letter in minute", "Sun, 06 Nov 1994 08:4x:37 GMT");
    bad("letter in RFC 850 year", "Sunday, 06-Nov-9x 08:49:37 GMT");
    bad("two-digit year in IMF-fixdate", "Sun, 06 Nov 94 08:49:37 GMT");
    bad("four-digit year in RFC 850", "Sunday, 06-Nov-1994 08:49:37 GMT");
    bad("no seconds", "Sun, 06 Nov 1994 08:49 GMT");
    bad("UTC zone", "Sun, 06 Nov 1994 08:49:37 UTC");
    bad("numeric zone", "Sun, 06 Nov 1994 08:49:37 +0000");
    bad("no zone", "Sun, 06 Nov 1994 08:49:37");
    bad("trailing garbage", "Sun, 06 Nov 1994 08:49:37 GMT+1");
    bad("trailing word", "Sun, 06 Nov 1994 08:49:37 GMT now");
    bad("no space after comma", "Sun,06 Nov 1994 08:49:37 GMT");
    bad("double space", "Sun,  06 Nov 1994 08:49:37 GMT");
    bad("long day with IMF-fixdate", "Sunday, 06 Nov 1994 08:49:37 GMT");
    bad("short day with RFC 850", "Sun, 06-Nov-94 08:49:37 GMT");
    bad("asctime single space", "Sun Nov 6 08:49:37 1994");
    bad("asctime with zone", "Sun Nov  6 08:49:37 1994 GMT");
    bad("asctime two-digit year", "Sun Nov  6 08:49:37 94");
    bad("asctime long day", "Sunday Nov  6 08:49:37 1994");
    bad("asctime Feb 30", "Wed Feb 30 08:49:37 1994");
}

void tst_HttpRules::parseHttpDate()
{
    QFETCH(QByteArray, value);
    QFETCH(QDateTime, expected);

    const QDateTime actual = Background::Http::parseHttpDate(value);
    QCOMPARE(actual.isValid(), expected.isValid());
    if (expected.isValid()) {
        QCOMPARE(actual, expected);
        QCOMPARE(actual.timeSpec(), Qt::UTC);
    }
}

void tst_HttpRules::parseContentRange_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    QTest::addColumn<qint64>("complete");

    const auto ok = [](const char *name,
                       const QByteArray &value,
                       qint64 first,
                       qint64 last,
                       qint64 complete) {
        QTest::newRow(name) << value << true << first << last << complete;
    };
    const auto bad = [](const char *name, const QByteArray &value) {
        QTest::newRow(name) << value << false << qint64(-1) << qint64(-1) << qint64(-1);
    };
    constexpr qint64 max = std::numeric_limits<qint64>::max();

    ok("range with length", "bytes 100-199/1000", 100, 199, 1000);
    ok("whole entity", "bytes 0-999/1000", 0, 999, 1000);
    ok("one byte", "bytes 0-0/1", 0, 0, 1);
    ok("last byte", "bytes 999-999/1000", 999, 999, 1000);
    ok("unknown length", "bytes 100-199/*", 100, 199, -1);
    ok("unsatisfied", "bytes */1000", -1, -1, 1000);
    ok("unsatisfied empty entity", "bytes */0", -1, -1, 0);
    ok("uppercase unit", "BYTES 0-9/10", 0, 9, 10);
    ok("mixed-case unit", "Bytes 0-9/10", 0, 9, 10);
    ok("two spaces", "bytes  0-9/10", 0, 9, 10);
    ok("tab", "bytes\t0-9/10", 0, 9, 10);
    ok("surrounding whitespace", "  bytes 0-9/10  ", 0, 9, 10);
    ok("leading zeros", "bytes 007-009/010", 7, 9, 10);
    ok("largest", "bytes 0-9223372036854775806/9223372036854775807", 0, max - 1, max);

    bad("empty", "");
    bad("unit only", "bytes");
    bad("unit and space", "bytes ");
    bad("no space after unit", "bytes100-199/1000");
    bad("other unit", "items 0-9/10");
    bad("no unit", "0-9/10");
    bad("both unknown", "bytes */*");
    bad("last before first", "bytes 200-100/1000");
    bad("last equals length", "bytes 0-1000/1000");
    bad("last beyond length", "bytes 0-1001/1000");
    bad("empty entity range", "bytes 0-0/0");
    bad("no slash", "bytes 0-9");
    bad("no dash", "bytes 09/10");
    bad("no first", "bytes -9/10");
    bad("no last", "bytes 0-/10");
    bad("no length", "bytes 0-9/");
    bad("unsatisfied without length", "bytes */");
    bad("star range", "bytes *-9/10");
    bad("negative first", "bytes -5-10/20");
    bad("plus first", "bytes +5-10/20");
    bad("plus last", "bytes 5-+10/20");
    bad("negative length", "bytes 0-9/-1");
    bad("hex", "bytes 0x0-9/10");
    bad("space before dash", "bytes 1 -9/10");
    bad("space after dash", "bytes 1- 9/10");
    bad("space before slash", "bytes 0-9 /10");
    bad("space after slash", "bytes 0-9/ 10");
    bad("trailing garbage", "bytes 0-9/10 extra");
    bad("two slashes", "bytes 0-9/10/20");
    bad("two ranges", "bytes 0-9,20-29/100");
    bad("first overflows", "bytes 9223372036854775808-9223372036854775809/*");
    bad("last overflows", "bytes 0-9223372036854775808/*");
    bad("length overflows", "bytes 0-9/99999999999999999999");
    bad("unsatisfied length overflows", "bytes */9223372036854775808");
}

void tst_HttpRules::parseContentRange()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    QFETCH(qint64, complete);

    const auto range = Background::Http::parseContentRange(value);
    QCOMPARE(range.has_value(), valid);
    if (!valid)
        return;
    QCOMPARE(range->first, first);
    QCOMPARE(range->last, last);
    QCOMPARE(range->complete, complete);
    QCOMPARE(range->isUnsatisfied(), first < 0);
}

void tst_HttpRules::isWeakETag_data()
{
    QTest::addColumn<QByteArray>("etag");
    QTest::addColumn<bool>("weak");

    QTest::newRow("strong") << QByteArray("\"abc\"") << false;
    QTest::newRow("weak") << QByteArray("W/\"abc\"") << true;
    QTest::newRow("weak empty tag") << QByteArray("W/\"\"") << true;
    QTest::newRow("lowercase w") << QByteArray("w/\"abc\"") << true;
    QTest::newRow("weak with leading space") << QByteArray(" W/\"abc\"") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("W only") << QByteArray("W") << false;
    QTest::newRow("W/ inside quotes") << QByteArray("\"W/abc\"") << false;
    QTest::newRow("unquoted strong") << QByteArray("abc") << false;
}

void tst_HttpRules::isWeakETag()
{
    QFETCH(QByteArray, etag);
    QFETCH(bool, weak);
    QCOMPARE(Background::Http::isWeakETag(etag), weak);
}

void tst_HttpRules::ifRangeValidator_data()
{
    QTest::addColumn<QByteArray>("etag");
    QTest::addColumn<QByteArray>("lastModified");
    QTest::addColumn<QByteArray>("expected");

    const QByteArray strong = "\"v1\"";
    const QByteArray weak = "W/\"v1\"";
    const QByteArray date = "Tue, 01 Sep 2026 10:00:00 GMT";

    QTest::newRow("strong etag only") << strong << QByteArray() << strong;
    QTest::newRow("strong etag wins over date") << strong << date << strong;
    QTest::newRow("weak etag falls back to date") << weak << date << date;
    QTest::newRow("weak etag without date") << weak << QByteArray() << QByteArray();
    QTest::newRow("date only") << QByteArray() << date << date;
    QTest::newRow("nothing") << QByteArray() << QByteArray() << QByteArray();
    QTest::newRow("blank etag") << QByteArray("  ") << date << date;
    QTest::newRow("padded values are trimmed")
            << QByteArray(" \"v1\" ") << QByteArray() << QByteArray("\"v1\"");
    QTest::newRow("padded date is trimmed") << QByteArray() << (" " + date + " ") << date;
    // Found by fuzz_httprules: the fallback must not put a weak tag (or any non-date) in If-Range.
    QTest::newRow("last-modified that looks like a weak etag") << weak << weak << QByteArray();
    QTest::newRow("last-modified that is no date")
            << QByteArray() << QByteArray("yesterday") << QByteArray();
}

void tst_HttpRules::ifRangeValidator()
{
    QFETCH(QByteArray, etag);
    QFETCH(QByteArray, lastModified);
    QFETCH(QByteArray, expected);
    QCOMPARE(Background::Http::ifRangeValidator(etag, lastModified), expected);
}

QTEST_GUILESS_MAIN(tst_HttpRules)
#include "tst_httprules.moc"
